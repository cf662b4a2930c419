// The progress of an import, redrawn every two seconds without reloading the page. Without
// JavaScript the page's "Refresh" link does the same. When the step ends, the page reloads to
// show its result.
const panel = document.querySelector("[data-import-progress]");
if (panel) {
  const url = panel.dataset.importProgress;
  // The page redraws itself, so the "Refresh" link meant for browsers without JavaScript goes.
  const hideRefreshLinks = () => {
    for (const link of panel.querySelectorAll("[data-refresh-link]")) link.hidden = true;
  };
  const tick = async () => {
    try {
      const response = await fetch(url, { headers: { Accept: "text/html" }, credentials: "same-origin" });
      if (!response.ok) return setTimeout(tick, 5000);
      const html = await response.text();
      const next = new DOMParser().parseFromString(html, "text/html").querySelector("[data-import-progress]");
      if (!next || next.dataset.running !== "true") {
        window.location.reload();
        return;
      }
      panel.innerHTML = next.innerHTML;
      hideRefreshLinks();
    } catch (error) {
      // A network blip: try again a little later.
    }
    setTimeout(tick, 2000);
  };
  hideRefreshLinks();
  setTimeout(tick, 2000);
}
