// The /validate page: says what file was chosen and refuses, before sending it, one larger than the
// service accepts (the service would answer 413). The form works without this script.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("validate-form");
  const file = document.getElementById("file");
  const status = document.getElementById("file-status");
  const limit = Number(form.dataset.limit);
  const describe = () => {
    const chosen = file.files[0];
    if (!chosen) { status.textContent = ""; return true; }
    if (chosen.size > limit) {
      status.textContent = `${chosen.name} is ${chosen.size.toLocaleString("en")} bytes; this service validates ` +
        `documents of at most ${limit.toLocaleString("en")} bytes (validate it with ssbonto validate FILE)`;
      status.className = "problem";
      return false;
    }
    status.textContent = `${chosen.name}, ${chosen.size.toLocaleString("en")} bytes`;
    status.className = "hint";
    return true;
  };
  file.addEventListener("change", describe);
  form.addEventListener("submit", (event) => { if (!describe()) event.preventDefault(); });
});
