/* Behaviour the templates ask for with data attributes: the Content-Security-Policy refuses
   inline event handlers (onsubmit=, onchange=), so they live here, delegated from the document
   so that fragments htmx swaps in later behave the same. */
document.addEventListener("submit", function (event) {
  var form = event.target.closest("form[data-confirm]");
  if (form && !window.confirm(form.dataset.confirm)) {
    event.preventDefault();
    event.stopImmediatePropagation();
  }
}, true);
document.addEventListener("change", function (event) {
  if (event.target.matches("select[data-autosubmit]")) {
    event.target.form.submit();
  }
});
