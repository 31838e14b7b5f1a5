// Copy buttons: <button data-copy="ID"> copies the text of the field #ID. Without the clipboard
// (an insecure origin, a refused permission) the text is selected for Ctrl+C instead.
// The button is hidden in the page and shown here: without this script there is nothing to click.
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("button[data-copy]").forEach((button) => {
    const field = document.getElementById(button.dataset.copy);
    if (!field) return;
    const status = button.parentElement.querySelector(".copy-status");
    const say = (text) => { if (status) status.textContent = text; };
    const selectText = () => {
      field.focus();
      field.select();
      say(button.dataset.select);
    };
    button.hidden = false;
    button.addEventListener("click", () => {
      if (!navigator.clipboard || !window.isSecureContext) {
        selectText();
        return;
      }
      navigator.clipboard.writeText(field.value).then(() => say(button.dataset.copied), selectText);
    });
  });
});
