// Reads a DMN file with dmn-moddle (the parser behind dmn-js and Camunda Modeler) and prints, as JSON,
// its warnings and the ids of the decisions it found.
import { readFile } from "node:fs/promises";
import { DmnModdle } from "dmn-moddle";

const xml = await readFile(process.argv[2], "utf8");
const { rootElement, warnings } = await new DmnModdle().fromXML(xml, "dmn:Definitions");
const decisions = rootElement.drgElement.filter((element) => element.$type === "dmn:Decision");
console.log(
  JSON.stringify({
    warnings: warnings.map((warning) => ({ message: warning.message, element: warning.element?.id ?? null })),
    decisions: decisions.map((decision) => decision.id),
    inputs: rootElement.drgElement.filter((element) => element.$type === "dmn:InputData").map((input) => input.id),
    shapes: (rootElement.dmnDI?.diagrams ?? []).flatMap((diagram) => diagram.diagramElements.length),
  }),
);
