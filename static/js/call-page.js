// The call page: focus lands on its heading (or on what was already recorded), scrolled to the
// top of the window so the outcomes and Save are in view, and the officer can Tab straight to
// them. A banner about the call just saved stays in view above it. After "Save and take next call" the next call arrives in the same response: the
// address bar is set to that call's own page.
const target = document.querySelector("[data-focus-on-load]");
if (target) {
  if (target.dataset.pageUrl) {
    window.history.replaceState(null, "", target.dataset.pageUrl);
  }
  if (!document.querySelector(".govuk-error-summary")) {
    target.focus({ preventScroll: true });
    const banner = document.querySelector("main .govuk-notification-banner");
    (banner || target).scrollIntoView({ block: "start" });
  }
}
