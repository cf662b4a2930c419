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

// Leaving the call page any other way than its own buttons (the menu, the back link, the
// browser's Back, closing the tab) with something typed: what was typed is kept as the "full
// record" button keeps it (welfare.call_draft_views.keep_draft, go=stay), and the call page
// fills it in again when the officer comes back to the call. Not when a form of the page is
// sent: saving, handing back and the page's own buttons say themselves what becomes of it.
const callForm = document.getElementById("call-form");
if (callForm && callForm.dataset.keepUrl && navigator.sendBeacon) {
  // A refused save shows again what was typed: leaving it untouched keeps it too.
  let typed = Boolean(document.querySelector(".govuk-error-summary"));
  let sent = false;
  const noteTyped = () => {
    typed = true;
  };
  callForm.addEventListener("input", noteTyped);
  callForm.addEventListener("change", noteTyped);
  document.addEventListener(
    "submit",
    () => {
      sent = true;
    },
    true,
  );
  window.addEventListener("pageshow", (event) => {
    if (event.persisted) sent = false; // back from the browser's cache after a Back
  });
  window.addEventListener("pagehide", () => {
    if (!typed || sent) return;
    const data = new FormData(callForm);
    data.set("go", "stay");
    navigator.sendBeacon(callForm.dataset.keepUrl, data);
  });
}
