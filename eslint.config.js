// @ts-check
import js from "@eslint/js";
import tseslint from "typescript-eslint";

/**
 * One `no-restricted-imports` rule per boundary: a relative import that
 * reaches into a forbidden top-level folder of lib/ is an error.
 * @param {{ files: string[]; forbidden: string[]; why: string }[]} rules
 */
function boundaries(rules) {
  return rules.map(({ files, forbidden, why }) => ({
    files,
    rules: {
      "no-restricted-imports": ["error", {
        patterns: [{ regex: `^(\\.\\.?/)+(lib/)?(${forbidden.join("|")})/`, message: `Boundary: ${why}.` }],
      }],
    },
  }));
}

export default tseslint.config(
  { ignores: ["node_modules/", "dist/", "coverage/", "web/dist/"] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": "error",
      "@typescript-eslint/no-floating-promises": "error",
      "eqeqeq": ["error", "always"],
      "no-console": "off",
    },
  },
  // The intended structure (docs/architecture.md "Boundaries"): the server
  // never holds the vault's crypto nor knows the command line; the agent
  // knows no server internals; the core folders know neither.
  ...boundaries([
    { files: ["lib/server/**/*.ts"], forbidden: ["crypto", "pipeline", "agent", "cli"], why: "the server never holds the vault's keys and knows no command line" },
    { files: ["lib/agent/**/*.ts"], forbidden: ["server"], why: "the agent talks to the server over its API only" },
    {
      files: ["lib/crypto/**/*.ts", "lib/chunking/**/*.ts", "lib/events/**/*.ts", "lib/storage/**/*.ts"],
      forbidden: ["server", "agent", "cli"],
      why: "the core knows neither the server, the agent nor the command line",
    },
  ]),
  {
    // The build script runs under Bun and is checked with Bun's types.
    files: ["scripts/build.ts"],
    languageOptions: {
      parserOptions: { projectService: false, project: "./scripts/tsconfig.build.json", tsconfigRootDir: import.meta.dirname },
    },
  },
  {
    files: ["**/*.js"],
    ...tseslint.configs.disableTypeChecked,
  },
);
