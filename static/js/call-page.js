// The call page: focus lands on its heading (or on what was already recorded), so the officer
// can Tab straight to the outcomes, without scrolling: the page opens at its top, with the menu,
// the way back to the queue and any banner about the call just saved in view (Save stays in view
// below, app-form-actions). An error summary takes the focus instead (GOV.UK Frontend's own).
// After "Save and take next call" the next call arrives in the same response: the address bar
// is set to that call's own page.
const target = document.querySelector("[data-focus-on-load]");
if (target) {
  if (target.dataset.pageUrl) {
    window.history.replaceState(null, "", target.dataset.pageUrl);
  }
  if (!document.querySelector(".govuk-error-summary")) {
    target.focus({ preventScroll: true });
  }
}
