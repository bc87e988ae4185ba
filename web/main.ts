/** The dashboard's entry: its styles, then the application into `#app`. */
import "./styles.css";
import { h, render } from "preact";

const root = document.getElementById("app");
if (root) render(h("p", null, "SyncAgent"), root);
