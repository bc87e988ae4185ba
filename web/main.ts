/** The dashboard's entry: its styles, then the application into `#app`. */
import "./styles.css";
import { render } from "preact";
import { html } from "./html.ts";
import { App } from "./app.ts";

const root = document.getElementById("app");
if (root) {
  root.textContent = "";
  render(html`<${App} />`, root);
}
