// Copies the files the pages load from node_modules into static/vendor (git-ignored), which the
// app serves at /static/vendor. Run after `npm ci`; the Makefile and the Dockerfile both do.
import { cpSync, mkdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const modules = join(here, "node_modules");
const vendor = join(here, "static", "vendor");

rmSync(vendor, { recursive: true, force: true });
mkdirSync(vendor, { recursive: true });
cpSync(join(modules, "htmx.org", "dist", "htmx.min.js"), join(vendor, "htmx.min.js"));
cpSync(join(modules, "redoc", "bundles", "redoc.standalone.js"), join(vendor, "redoc.standalone.js"));
// JSME is a GWT build: jsme.nocache.js loads its *.cache.js files from its own directory
cpSync(join(modules, "jsme-editor"), join(vendor, "jsme"), { recursive: true });
