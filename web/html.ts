/** Markup for components: htm bound to Preact's `h` (no JSX build step). */
import { h, type VNode } from "preact";
import htmModule from "htm";

// htm ships CommonJS-style types for an ES module: under NodeNext the default
// import types as the module object, while the bundle hands over the function.
type Htm = typeof htmModule.default;
const htm: Htm = (htmModule as unknown as { default?: Htm }).default ?? (htmModule as unknown as Htm);

/** Tagged template that builds Preact elements. */
export const html: (strings: TemplateStringsArray, ...values: unknown[]) => VNode | VNode[] = htm.bind(h);
