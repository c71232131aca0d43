/* Marks the tab of the section in view; the tabs themselves work without script (:target). */
(function () {
  function select() {
    var tabs = document.querySelectorAll(".tabs [role=tab]");
    var hash = window.location.hash;
    var known = Array.prototype.some.call(tabs, function (tab) { return tab.getAttribute("href") === hash; });
    tabs.forEach(function (tab, index) {
      var on = known ? tab.getAttribute("href") === hash : index === 0;
      tab.setAttribute("aria-selected", on ? "true" : "false");
    });
  }
  window.addEventListener("hashchange", select);
  select();
})();
