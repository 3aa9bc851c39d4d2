(function () {
  "use strict";
  function norm(s) {
    return s.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }
  function num(s) {
    var m = s.replace(/[\u202f\u00a0 ]/g, "").match(/[-+]?\d+(,\d+)?/);
    return m ? parseFloat(m[0].replace(",", ".")) : NaN;
  }
  function update(table) {
    var box = document.querySelector('input[data-table="' + table.id + '"]');
    var sel = document.querySelector('select[data-table="' + table.id + '"]');
    var out = document.querySelector('output[data-table="' + table.id + '"]');
    var words = norm(box ? box.value : "").split(/\s+/).filter(Boolean);
    var want = sel ? sel.value : "";
    var shown = 0;
    Array.prototype.forEach.call(table.tBodies[0].rows, function (tr) {
      var text = tr.dataset.text || (tr.dataset.text = norm(tr.textContent));
      var ok = (!want || tr.dataset.s === want) && words.every(function (w) {
        return text.indexOf(w) >= 0;
      });
      tr.classList.toggle("hide", !ok);
      shown += ok ? 1 : 0;
    });
    if (out) { out.textContent = shown + " / " + table.tBodies[0].rows.length + " caisses"; }
  }
  function sort(table, th) {
    var col = th.cellIndex, numeric = th.dataset.sort === "num";
    var dir = th.getAttribute("aria-sort") === "ascending" ? -1 : 1;
    Array.prototype.forEach.call(th.parentNode.cells, function (c) { c.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", dir > 0 ? "ascending" : "descending");
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = a.cells[col].textContent, y = b.cells[col].textContent;
      if (numeric) {
        var p = num(x), q = num(y);
        if (isNaN(p) || isNaN(q)) { return isNaN(p) - isNaN(q); }
        return (p - q) * dir;
      }
      return x.localeCompare(y, "fr") * dir;
    });
    rows.forEach(function (r) { body.appendChild(r); });
  }
  document.querySelectorAll("table.caisses").forEach(function (table) {
    table.querySelectorAll("th[data-sort]").forEach(function (th) {
      th.tabIndex = 0;
      th.addEventListener("click", function () { sort(table, th); });
      th.addEventListener("keydown", function (e) {
        if (e.key === "Enter" || e.key === " ") { e.preventDefault(); sort(table, th); }
      });
    });
    update(table);
  });
  function tooltips(section) {
    var rows = {};
    section.querySelectorAll("table.caisses tr[data-d]").forEach(function (tr) { rows[tr.dataset.d] = tr; });
    var head = section.querySelectorAll("table.caisses thead th");
    section.querySelectorAll("svg.map use[data-d]").forEach(function (use) {
      var tr = rows[use.dataset.d];
      if (!tr) { return; }
      var c = tr.cells, parts = [];
      for (var k = 3; k < c.length - 1; k++) { parts.push(head[k].textContent + " " + c[k].textContent); }
      var title = document.createElementNS("http://www.w3.org/2000/svg", "title");
      title.textContent = c[0].textContent + " " + c[1].textContent + " (" + c[2].textContent + ") — " +
        section.dataset.period + " : " + parts.join(" ; ") + " ; cible " + section.dataset.cible +
        " ; " + c[c.length - 1].textContent;
      use.appendChild(title);
    });
  }
  document.querySelectorAll("section[data-period]").forEach(tooltips);
  document.querySelectorAll("input[data-table], select[data-table]").forEach(function (el) {
    el.addEventListener("input", function () { update(document.getElementById(el.dataset.table)); });
  });
})();
