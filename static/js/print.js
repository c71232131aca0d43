/* Print buttons ([data-print]): shown only where this script runs, they print the page; the
   print stylesheet keeps the report itself. */
(function () {
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
})();
