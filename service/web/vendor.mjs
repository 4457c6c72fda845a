// Copies the files the pages load from node_modules into static/vendor (git-ignored), which the
// app serves at /static/vendor. Run after `npm ci`; the Makefile and the Dockerfile both do.
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const modules = join(here, "node_modules");
const vendor = join(here, "static", "vendor");

rmSync(vendor, { recursive: true, force: true });
mkdirSync(vendor, { recursive: true });
cpSync(join(modules, "htmx.org", "dist", "htmx.min.js"), join(vendor, "htmx.min.js"));
// ReDoc's bundle links its "powered by" logo from a CDN: point it at a local copy of nothing
const redoc = readFileSync(join(modules, "redoc", "bundles", "redoc.standalone.js"), "utf8");
writeFileSync(join(vendor, "redoc.standalone.js"),
  redoc.replaceAll("https://cdn.redoc.ly/redoc/logo-mini.svg", "/static/vendor/redoc-logo.svg"));
writeFileSync(join(vendor, "redoc-logo.svg"), '<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>');
// Swagger UI 5 (OpenAPI 3.1, which FastAPI writes; the PyPI swagger-ui-bundle ships 4.15, which cannot read it)
mkdirSync(join(vendor, "swagger"));
for (const name of ["swagger-ui-bundle.js", "swagger-ui.css", "favicon-32x32.png"]) {
  cpSync(join(modules, "swagger-ui-dist", name), join(vendor, "swagger", name));
}
// JSME is a GWT build: jsme.nocache.js loads its *.cache.js files from its own directory
cpSync(join(modules, "jsme-editor"), join(vendor, "jsme"), { recursive: true });
