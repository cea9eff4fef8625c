// Console behaviour that needs script: copying a secret to the clipboard.
// Everything else works without JavaScript (htmx only enhances forms and links).
document.addEventListener("click", async (event) => {
  const button = event.target.closest("[data-copy-target]");
  if (!button) return;
  const field = document.getElementById(button.dataset.copyTarget);
  const status = button.closest("section")?.querySelector(".copy-status");
  field.select();
  try {
    await navigator.clipboard.writeText(field.value);
    if (status) status.textContent = "Copied to the clipboard.";
  } catch {
    if (status) status.textContent = "Press Ctrl+C (⌘C on a Mac) to copy the selected key.";
  }
});
// After htmx shows a new key, move focus to it so screen readers announce it.
document.addEventListener("htmx:afterSwap", () => {
  document.getElementById("new-key")?.focus();
});
