// 批量操作: a "全选" box ticks every row box of its batch form (input[form=<id>]), and the
// form's submit buttons say how many rows are ticked.
(function () {
  function boxes(formId) {
    return Array.from(document.querySelectorAll('input[type="checkbox"][name="ids"][form="' + formId + '"]'));
  }
  function refresh(formId) {
    var n = boxes(formId).filter(function (b) { return b.checked; }).length;
    document.querySelectorAll('[data-batch-count="' + formId + '"]').forEach(function (el) {
      el.textContent = n ? "（已选 " + n + " 项）" : "";
    });
  }
  document.querySelectorAll("[data-batch-all]").forEach(function (all) {
    var formId = all.getAttribute("data-batch-all");
    all.addEventListener("change", function () {
      boxes(formId).forEach(function (b) { b.checked = all.checked; });
      refresh(formId);
    });
    boxes(formId).forEach(function (b) {
      b.addEventListener("change", function () { refresh(formId); });
    });
    refresh(formId);
  });
})();
