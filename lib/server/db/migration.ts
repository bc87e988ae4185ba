/** One schema step; `statements` run in order inside one transaction. */
export interface Migration {
  id: number;
  name: string;
  statements: readonly string[];
}
