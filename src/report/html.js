// patrol's HTML report: sorting and filtering the findings table. No network, no eval, no
// markup built from strings: rows are hidden or moved, text is read with textContent. The
// filter can be given in the address (#q=TEXT&family=NAME&present=yes), so a filtered view can
// be linked to.
(function () {
  "use strict";
  var table = document.getElementById("findings");
  if (!table) return;
  var body = table.tBodies[0];
  var rows = Array.prototype.slice.call(body.rows);
  var q = document.getElementById("q");
  var family = document.getElementById("family");
  var present = document.getElementById("present");
  var shown = document.getElementById("shown");

  function apply() {
    var needle = q.value.trim().toLowerCase();
    var n = 0;
    rows.forEach(function (r) {
      var ok =
        (!needle || r.textContent.toLowerCase().indexOf(needle) !== -1) &&
        (!family.value || r.getAttribute("data-family") === family.value) &&
        (!present.value || r.getAttribute("data-present") === present.value);
      r.hidden = !ok;
      if (ok) n += 1;
    });
    shown.textContent = n + " of " + rows.length + " shown";
  }

  function key(row, col) {
    var cell = row.cells[col];
    var v = cell.getAttribute("data-sort");
    return v === null ? cell.textContent.trim().toLowerCase() : v;
  }

  Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, col) {
    var button = th.querySelector("button");
    if (!button) return;
    button.addEventListener("click", function () {
      var ascending = th.getAttribute("aria-sort") !== "ascending";
      Array.prototype.forEach.call(table.tHead.rows[0].cells, function (other) {
        other.removeAttribute("aria-sort");
      });
      th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
      var numeric = th.hasAttribute("data-numeric");
      rows.sort(function (a, b) {
        var x = key(a, col);
        var y = key(b, col);
        var c = numeric ? Number(x) - Number(y) : x < y ? -1 : x > y ? 1 : 0;
        return ascending ? c : -c;
      });
      rows.forEach(function (r) {
        body.appendChild(r);
      });
    });
  });

  var wanted = new URLSearchParams(window.location.hash.slice(1));
  if (wanted.has("q")) q.value = wanted.get("q");
  if (wanted.has("family")) family.value = wanted.get("family");
  if (wanted.has("present")) present.value = wanted.get("present");
  [q, family, present].forEach(function (input) {
    input.addEventListener("input", apply);
    input.addEventListener("change", apply);
  });
  apply();
})();
