// Autocomplete for every <input data-suggest="/api/suggest"> (the header's search box, the
// search page, the advisor's fields). Without JavaScript each input stays a plain form field.
// data-suggest-type="measurand,information-kind" narrows the kinds; data-suggest-go="page"
// opens the chosen entity's page (the search boxes), otherwise the choice fills the field.
(function () {
  "use strict";
  var DELAY = 120;

  function attach(input) {
    var list = document.createElement("ul");
    list.className = "suggestions";
    list.setAttribute("role", "listbox");
    list.id = input.id + "-suggestions";
    list.hidden = true;
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-controls", list.id);
    input.parentNode.insertBefore(list, input.nextSibling);
    var timer = null, items = [], active = -1, asked = "", controller = null;
    var opensPage = input.getAttribute("data-suggest-go") === "page" || input.form && input.form.getAttribute("role") === "search";

    function close() { list.hidden = true; active = -1; input.setAttribute("aria-expanded", "false"); }

    function choose(item) {
      if (opensPage) { window.location.href = item.href; return; }
      input.value = item.label;
      close();
      input.dispatchEvent(new Event("change", { bubbles: true }));
    }

    function highlight(index) {
      var nodes = list.querySelectorAll("li");
      for (var i = 0; i < nodes.length; i++) { nodes[i].classList.toggle("active", i === index); nodes[i].setAttribute("aria-selected", i === index ? "true" : "false"); }
      active = index;
    }

    function render(found) {
      items = found;
      list.innerHTML = "";
      found.forEach(function (item, index) {
        var li = document.createElement("li");
        li.setAttribute("role", "option");
        li.dataset.iri = item.iri;
        var label = document.createElement("span");
        label.className = "suggestion-label";
        label.textContent = item.display || item.label;
        var kind = document.createElement("span");
        kind.className = "kind";
        kind.textContent = item.type;
        li.appendChild(label);
        li.appendChild(kind);
        li.addEventListener("mousedown", function (event) { event.preventDefault(); choose(item); });
        li.addEventListener("mouseover", function () { highlight(index); });
        list.appendChild(li);
      });
      list.hidden = found.length === 0;
      input.setAttribute("aria-expanded", found.length ? "true" : "false");
      active = -1;
    }

    function ask() {
      var text = input.value.trim();
      if (!text) { render([]); return; }
      if (text === asked) { return; }
      asked = text;
      if (controller) { controller.abort(); }
      controller = window.AbortController ? new AbortController() : null;
      var url = input.getAttribute("data-suggest") + "?q=" + encodeURIComponent(text);
      var kinds = input.getAttribute("data-suggest-type");
      if (kinds) { url += "&type=" + encodeURIComponent(kinds); }
      fetch(url, { headers: { "Accept": "application/json" }, signal: controller ? controller.signal : undefined })
        .then(function (response) { return response.ok ? response.json() : []; })
        .then(function (found) { if (input.value.trim() === text) { render(found); } })
        .catch(function () { /* a cancelled or failed suggestion leaves the field as typed */ });
    }

    input.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(ask, DELAY); });
    input.addEventListener("keydown", function (event) {
      if (list.hidden) { return; }
      if (event.key === "ArrowDown") { event.preventDefault(); highlight(Math.min(items.length - 1, active + 1)); }
      else if (event.key === "ArrowUp") { event.preventDefault(); highlight(Math.max(0, active - 1)); }
      else if (event.key === "Enter" && active >= 0) { event.preventDefault(); choose(items[active]); }
      else if (event.key === "Escape") { close(); }
    });
    input.addEventListener("blur", function () { setTimeout(close, 100); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var inputs = document.querySelectorAll("input[data-suggest]");
    for (var i = 0; i < inputs.length; i++) { attach(inputs[i]); }
  });
})();
