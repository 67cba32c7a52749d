// The query page: runs the editor's SPARQL against the endpoint with fetch and shows the answer
// as a table (SELECT/ASK) or as Turtle (CONSTRUCT/DESCRIBE). Text from answers is only ever set
// with textContent, never parsed as HTML.
"use strict";

(function () {
  const app = document.getElementById("query-app");
  const endpoint = app.dataset.endpoint;
  const baseIri = app.dataset.baseIri;
  const linkRoot = app.dataset.linkRoot;
  const form = document.getElementById("query-form");
  const editor = document.getElementById("query");
  const status = document.getElementById("status");
  const problem = document.getElementById("error");
  const results = document.getElementById("results");
  const downloads = document.getElementById("downloads");

  const MEDIA_TYPES = {
    csv: "text/csv", tsv: "text/tab-separated-values",
    json: "application/sparql-results+json", xml: "application/sparql-results+xml",
    ttl: "text/turtle", jsonld: "application/ld+json",
  };
  const TABLE_FORMATS = ["csv", "tsv", "json", "xml"];
  const PREFIXES = [["ssb:", baseIri + "def/"], ["rdfs:", "http://www.w3.org/2000/01/rdf-schema#"],
    ["owl:", "http://www.w3.org/2002/07/owl#"], ["rdf:", "http://www.w3.org/1999/02/22-rdf-syntax-ns#"],
    ["skos:", "http://www.w3.org/2004/02/skos/core#"], ["xsd:", "http://www.w3.org/2001/XMLSchema#"]];
  let running = false;

  function post(query, accept) {
    return fetch(endpoint, {
      method: "POST",
      headers: {"Content-Type": "application/x-www-form-urlencoded", "Accept": accept},
      body: new URLSearchParams({query: query}),
    });
  }

  // Error answers come as {"message": …} JSON for programs, or as plain text.
  function messageOf(response, text) {
    if ((response.headers.get("Content-Type") || "").startsWith("application/json")) {
      try { return JSON.parse(text).message || text.trim(); } catch (error) { return text.trim(); }
    }
    return text.trim();
  }

  function showProblem(message) {
    problem.textContent = message;
    problem.hidden = false;
  }

  function href(iri) {
    return iri.startsWith(baseIri) ? linkRoot + "/" + iri.slice(baseIri.length) : iri;
  }

  function shortName(iri) {
    for (const [prefix, namespace] of PREFIXES) {
      const local = iri.slice(namespace.length);
      if (iri.startsWith(namespace) && /^[A-Za-z0-9_-]+$/.test(local)) return prefix + local;
    }
    return iri;
  }

  function cell(term) {
    const td = document.createElement("td");
    if (!term) return td;
    if (term.type === "uri") {
      const a = document.createElement("a");
      a.href = href(term.value);
      a.title = term.value;
      a.textContent = shortName(term.value);
      td.appendChild(a);
    } else if (term.type === "bnode") {
      td.textContent = "_:" + term.value;
    } else {
      td.textContent = term.value;
      if (term["xml:lang"]) td.title = "@" + term["xml:lang"];
      else if (term.datatype) td.title = shortName(term.datatype);
    }
    return td;
  }

  // A label column ?xLabel beside an IRI column ?x shows as one column "x" of linked labels. When ?x
  // concatenates IRIs (GROUP_CONCAT with spaces), the label is split into as many parts.
  const SEPARATORS = ["; ", ", ", " | ", " "];

  function link(iri, text) {
    const a = document.createElement("a");
    a.href = href(iri);
    a.title = iri;
    a.textContent = text;
    return a;
  }

  function labelCell(label, iri) {
    if (!label || !iri) return cell(label || iri);
    const td = document.createElement("td");
    if (iri.type === "uri") {
      td.appendChild(link(iri.value, label.value));
      return td;
    }
    const iris = iri.value.split(/\s+/).filter(Boolean);
    if (iri.type !== "literal" || !iris.every((part) => /^[a-z][a-z0-9+.-]*:\S+$/i.test(part))) {
      return cell(label);
    }
    const separator = SEPARATORS.find((s) => label.value.split(s).length === iris.length);
    if (separator === undefined) {
      td.textContent = label.value + " ";
      iris.forEach((part, n) => td.appendChild(link(part, "[" + (n + 1) + "]")));
      return td;
    }
    label.value.split(separator).forEach((text, n) => {
      if (n) td.appendChild(document.createTextNode(separator));
      td.appendChild(link(iris[n], text));
    });
    return td;
  }

  function renderTable(answer) {
    const table = document.createElement("table");
    table.id = "results-table";
    const head = table.createTHead().insertRow();
    const names = answer.head.vars || [];
    const iriOf = {};
    for (const name of names) {
      if (name.endsWith("Label") && names.includes(name.slice(0, -5))) iriOf[name] = name.slice(0, -5);
    }
    const folded = new Set(Object.values(iriOf));
    const shown = names.filter((name) => !folded.has(name));
    for (const name of shown) {
      const th = document.createElement("th");
      th.textContent = iriOf[name] || name;
      if (iriOf[name]) th.title = "?" + name + ", linked to ?" + iriOf[name];
      head.appendChild(th);
    }
    const body = table.createTBody();
    for (const binding of answer.results.bindings) {
      const row = body.insertRow();
      for (const name of shown) {
        row.appendChild(iriOf[name] ? labelCell(binding[name], binding[iriOf[name]]) : cell(binding[name]));
      }
    }
    results.replaceChildren(table);
    return answer.results.bindings.length;
  }

  function renderBoolean(value) {
    const p = document.createElement("p");
    p.id = "results-boolean";
    p.textContent = value ? "true" : "false";
    results.replaceChildren(p);
    return 1;
  }

  function renderGraph(text) {
    const pre = document.createElement("pre");
    pre.id = "results-graph";
    pre.textContent = text;
    results.replaceChildren(pre);
    return text.split("\n").filter((line) => line.trim() && !line.startsWith("@prefix")).length;
  }

  function showDownloads(kind) {
    for (const button of downloads.querySelectorAll("button.download")) {
      button.hidden = (kind === "table") !== TABLE_FORMATS.includes(button.dataset.format);
    }
    downloads.hidden = false;
  }

  async function run() {
    if (running) return;
    running = true;
    problem.hidden = true;
    downloads.hidden = true;
    results.replaceChildren();
    status.textContent = "running…";
    const started = performance.now();
    try {
      const response = await post(editor.value, "application/sparql-results+json, text/turtle;q=0.9");
      const text = await response.text();
      if (!response.ok) {
        status.textContent = "";
        showProblem(response.status + " " + response.statusText + ": " + messageOf(response, text));
        return;
      }
      const type = (response.headers.get("Content-Type") || "").split(";")[0].trim();
      let count, unit;
      if (type === "application/sparql-results+json") {
        const answer = JSON.parse(text);
        count = "boolean" in answer ? renderBoolean(answer.boolean) : renderTable(answer);
        unit = "boolean" in answer ? "answer" : "row";
        showDownloads("table");
      } else {
        count = renderGraph(text);
        unit = "line";
        showDownloads("graph");
      }
      const ms = Math.round(performance.now() - started);
      status.textContent = count + " " + unit + (count === 1 ? "" : "s") + " in " + ms + " ms";
    } catch (error) {
      status.textContent = "";
      showProblem("the query could not be run: " + error.message);
    } finally {
      running = false;
    }
  }

  async function download(format) {
    const response = await post(editor.value, MEDIA_TYPES[format]);
    if (!response.ok) {
      showProblem(response.status + " " + response.statusText + ": " + messageOf(response, await response.text()));
      return;
    }
    const url = URL.createObjectURL(await response.blob());
    const a = document.createElement("a");
    a.href = url;
    a.download = "results." + format;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60000);
  }

  form.addEventListener("submit", (event) => { event.preventDefault(); run(); });
  editor.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) { event.preventDefault(); run(); }
  });
  for (const button of downloads.querySelectorAll("button.download")) {
    button.addEventListener("click", () => download(button.dataset.format));
  }
  for (const link of document.querySelectorAll("a.named-query")) {
    link.addEventListener("click", (event) => {
      event.preventDefault();
      editor.value = link.dataset.query;
      history.replaceState(null, "", link.href);
      run();
    });
  }
  const parameters = new URLSearchParams(window.location.search);
  if (parameters.has("query") || parameters.has("example")) run();
})();
