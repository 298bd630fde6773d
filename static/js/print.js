// The "打印" button of the pages people print (templates/includes/print_button.html).
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print-page]")) {
    window.print();
  }
});
