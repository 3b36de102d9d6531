// Progressive enhancement only: every page works without this file.
// Confirm before a destructive structure change.
document.addEventListener("submit", (e) => {
  const b = e.submitter;
  if (b && b.classList.contains("danger") && !window.confirm(b.textContent.trim() + "?")) e.preventDefault();
});
