// Opens a DMN file in dmn-js's viewer in headless Chromium (puppeteer-core, the system browser) and prints,
// as JSON, the element ids of the requirements diagram's shapes and, per decision table, its rule ids.
// Usage: node render.mjs FILE.dmn [SCREENSHOT.png]
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import puppeteer from "puppeteer-core";

const [file, screenshot] = process.argv.slice(2);
const xml = await readFile(file, "utf8");
const browser = await puppeteer.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  headless: true,
  args: [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
});
try {
  const page = await browser.newPage();
  await page.setViewport({ width: 1100, height: 1000 });
  const errors = [];
  page.on("pageerror", (error) => errors.push(String(error)));
  // The bundle's own notice that its Inferno is a development build says nothing about the file shown.
  const bundleNotice = /^It looks like you're using a minified copy of the development build of Inferno/;
  page.on("console", (message) => {
    if (message.type() === "error" && !bundleNotice.test(message.text())) errors.push(message.text());
  });
  await page.goto(new URL("viewer.html", import.meta.url).href);
  const result = await page.evaluate(async (xml) => {
    const { warnings } = await viewer.importXML(xml);
    const views = viewer.getViews();
    const drd = views.find((view) => view.type === "drd");
    await viewer.open(drd);
    // The whole diagram, with room above it for the model's name box dmn-js draws at the top left.
    const canvas = viewer.getActiveViewer().get("canvas");
    const { inner } = canvas.viewbox();
    canvas.viewbox({ x: inner.x - 40, y: inner.y - 130, width: inner.width + 80, height: inner.height + 170 });
    const shapes = [...document.querySelectorAll(".djs-shape[data-element-id]")].map((shape) =>
      shape.getAttribute("data-element-id"),
    );
    const connections = document.querySelectorAll(".djs-connection[data-element-id]").length;
    return { warnings: warnings.map((warning) => warning.message), shapes, connections, views: views.length };
  }, xml);
  if (screenshot) {
    await page.screenshot({ path: screenshot });
  }
  result.tables = await page.evaluate(async () => {
    const tables = {};
    for (const view of viewer.getViews().filter((view) => view.type === "decisionTable")) {
      await viewer.open(view);
      const rows = [...document.querySelectorAll(".tjs-table tbody td[data-row-id]")].map((cell) =>
        cell.getAttribute("data-row-id"),
      );
      tables[view.element.id] = {
        rules: [...new Set(rows)],
        inputs: document.querySelectorAll(".tjs-table thead th.input-cell").length,
        outputs: document.querySelectorAll(".tjs-table thead th.output-cell").length,
      };
    }
    return tables;
  });
  result.errors = errors;
  console.log(JSON.stringify(result));
} finally {
  await browser.close();
}
