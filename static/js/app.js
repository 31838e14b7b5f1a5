// Tally CRM: small progressive enhancements; every page works without this file.
document.addEventListener("DOMContentLoaded", () => {
  // Buttons that need a second thought carry data-confirm.
  document.querySelectorAll("[data-confirm]").forEach((el) => {
    el.addEventListener("click", (event) => {
      if (!window.confirm(el.dataset.confirm)) event.preventDefault();
    });
  });
});
