// 导入整改方案: show only the fields of the chosen mode (已有轮次 / 新建轮次 / 按文件中的轮次).
// Without this script every group shows, each under its own heading.
(() => {
  const form = document.querySelector("[data-import-form]");
  if (!form) {
    return;
  }
  const groups = form.querySelectorAll("[data-import-mode]");
  const show = () => {
    const checked = form.querySelector('input[name="mode"]:checked');
    const mode = checked ? checked.value : "existing";
    groups.forEach((group) => {
      group.hidden = group.dataset.importMode !== mode;
    });
  };
  form.querySelectorAll('input[name="mode"]').forEach((radio) => {
    radio.addEventListener("change", show);
  });
  show();
})();
