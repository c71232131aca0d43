/* The copy button beside a read-only link: copies the link, says so. Without script the
   link stays selectable in its field, and the button stays hidden. */
(function () {
  "use strict";

  function copied(input) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(input.value);
    }
    input.focus();
    input.select();
    return document.execCommand("copy") ? Promise.resolve() : Promise.reject();
  }

  document.querySelectorAll("[data-copy-target]").forEach(function (button) {
    var input = document.getElementById(button.getAttribute("data-copy-target"));
    var status = document.querySelector("[data-copy-status]");
    if (!input) {
      return;
    }
    button.hidden = false;
    button.addEventListener("click", function () {
      copied(input).then(
        function () { if (status) { status.textContent = button.getAttribute("data-copied"); } },
        function () {
          input.select();
          if (status) { status.textContent = button.getAttribute("data-failed"); }
        }
      );
    });
  });
})();
