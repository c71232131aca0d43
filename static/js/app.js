/* Behaviour every page shares, kept out of the markup (the Content-Security-Policy allows no
   inline script): a select marked [data-autosubmit] sends its form when it changes. */
(function () {
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });
})();
