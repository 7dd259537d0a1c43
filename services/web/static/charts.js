// The evaluation explained as charts (ECharts, served from /static/vendor): each tier's
// 0–100 score beside the composite, and the objective points by source.
(function () {
  function draw() {
    if (!window.echarts) return;
    const zh = document.documentElement.lang !== "en";
    const names = {
      objective: zh ? "客观积分" : "objective", self_assessment: zh ? "自评" : "self",
      peer_public: zh ? "互评与群众评议" : "peer & public", committee: zh ? "党委评定" : "committee",
    };
    document.querySelectorAll("[data-chart]").forEach(function (node) {
      const data = JSON.parse(node.dataset.chart);
      const chart = echarts.getInstanceByDom(node) || echarts.init(node);
      if (node.dataset.kind === "stars") {
        const labels = { provisional: zh ? "暂定" : "provisional", no_activity: zh ? "无活动" : "no activity", "0": "–" };
        chart.setOption({
          title: { text: zh ? "各支部星级人数" : "Members by stars, per branch", left: "center", textStyle: { fontSize: 14 } },
          tooltip: { trigger: "axis" }, legend: { bottom: 0 }, grid: { left: 40, right: 10, bottom: 60 },
          xAxis: { type: "category", data: data.branches }, yAxis: { type: "value", minInterval: 1 },
          series: Object.entries(data.series).map(function (e) {
            return { name: labels[e[0]] || "★".repeat(+e[0]), type: "bar", stack: "stars", data: e[1] };
          }),
        });
        return;
      }
      if (node.dataset.kind === "tiers") {
        const keys = Object.keys(data.tiers);
        chart.setOption({
          title: { text: zh ? "三级评价 (0–100)" : "Tiers (0–100)", left: "center", textStyle: { fontSize: 14 } },
          tooltip: {}, grid: { left: 40, right: 10, bottom: 40 },
          xAxis: { type: "category", data: keys.map(function (k) { return names[k] || k; }).concat([zh ? "综合" : "composite"]) },
          yAxis: { type: "value", max: 100 },
          series: [{ type: "bar", data: keys.map(function (k) { return +data.tiers[k].toFixed(1); }).concat([{ value: +data.composite.toFixed(1), itemStyle: { color: "#c8161d" } }]) }],
        });
      } else {
        const sources = Object.entries(data.sources).filter(function (e) { return e[1] > 0; });
        chart.setOption({
          title: { text: zh ? "客观积分来源" : "Objective points by source", left: "center", textStyle: { fontSize: 14 } },
          tooltip: { trigger: "item" },
          series: [{ type: "pie", radius: ["35%", "65%"], data: sources.map(function (e) { return { name: e[0], value: +e[1].toFixed(2) }; }) }],
        });
      }
    });
  }
  document.addEventListener("DOMContentLoaded", draw);
  document.addEventListener("live:updated", draw);
  window.addEventListener("resize", function () {
    document.querySelectorAll("[data-chart]").forEach(function (n) { const c = window.echarts && echarts.getInstanceByDom(n); if (c) c.resize(); });
  });
})();
