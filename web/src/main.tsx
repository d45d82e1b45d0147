import { render } from "preact";
import { Routes } from "./Routes";
import "./styles.css";

render(<Routes />, document.getElementById("app")!);
