// Times are sent in UTC; show them in the browser's own time zone, and hand that zone to
// links that print times (route sheets). Without JavaScript the UTC text stays.
document.addEventListener("DOMContentLoaded", () => {
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const format = new Intl.DateTimeFormat(document.documentElement.lang || undefined, {
    year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit",
    hour12: false,
  });
  for (const node of document.querySelectorAll("time[data-local]")) {
    const moment = new Date(node.getAttribute("datetime"));
    if (!Number.isNaN(moment.getTime())) {
      node.title = node.textContent;
      node.textContent = format.format(moment);
    }
  }
  if (zone) {
    for (const link of document.querySelectorAll("a[data-zone]")) {
      const url = new URL(link.href, window.location.href);
      url.searchParams.set("tz", zone);
      link.href = url.pathname + url.search;
    }
  }
});
