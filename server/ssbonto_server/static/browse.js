// Browsing pages, enhanced when JavaScript runs (each works without it): filter menus apply on
// change, and each class tree gets a filter box and buttons that open or close every branch.
"use strict";

(function () {
  for (const select of document.querySelectorAll("select[data-autosubmit]")) {
    select.addEventListener("change", () => select.form.requestSubmit());
  }

  function filterTree(tree, text) {
    const words = text.toLowerCase().split(/\s+/).filter(Boolean);
    // Deepest items first, so that a parent knows whether one of its children matched.
    const items = Array.from(tree.querySelectorAll("li")).reverse();
    let shown = 0;
    for (const item of items) {
      const names = item.dataset.names || "";
      const own = words.every((word) => names.includes(word));
      const child = Array.from(item.querySelectorAll(":scope > details > ul > li, :scope > ul > li"))
        .some((li) => !li.hidden);
      item.hidden = words.length > 0 && !own && !child;
      item.classList.toggle("match", words.length > 0 && own);
      const branch = item.querySelector(":scope > details");
      if (branch && words.length > 0 && child) branch.open = true;
      if (!item.hidden && own) shown += 1;
    }
    return shown;
  }

  for (const tree of document.querySelectorAll("ul.tree")) {
    const bar = document.createElement("div");
    bar.className = "tree-tools";
    const input = document.createElement("input");
    input.type = "search";
    input.placeholder = "filter the tree";
    input.setAttribute("aria-label", "Filter the tree by name");
    const status = document.createElement("span");
    status.className = "hint";
    status.setAttribute("role", "status");
    const open = document.createElement("button");
    open.type = "button";
    open.textContent = "Expand all";
    open.className = "expand-all";
    const close = document.createElement("button");
    close.type = "button";
    close.textContent = "Collapse all";
    close.className = "collapse-all";
    bar.append(input, open, close, status);
    tree.before(bar);
    input.addEventListener("input", () => {
      const shown = filterTree(tree, input.value);
      status.textContent = input.value.trim() ? shown + " matching" : "";
    });
    open.addEventListener("click", () => { for (const d of tree.querySelectorAll("details")) d.open = true; });
    close.addEventListener("click", () => { for (const d of tree.querySelectorAll("details")) d.open = false; });
  }
  // On paper every branch is open.
  window.addEventListener("beforeprint", () => {
    for (const d of document.querySelectorAll("ul.tree details")) d.open = true;
  });
})();
