/// The HTML report's inline style sheet and script: the page fetches nothing.
enum HTMLPageAssets {
    /// Screen and print styles.
    static let style = """
    body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:1.5em auto;max-width:1400px;padding:0 1em;color:#1b1f24;background:#fff}
    h1{font-size:1.5em;margin:0 0 .2em}h2{font-size:1.15em;margin:1.6em 0 .4em;border-bottom:1px solid #d0d7de;padding-bottom:.2em}
    .sub{color:#57606a;margin:0 0 1em}
    .verdict{font-size:1.2em;font-weight:600;padding:.6em .9em;border-radius:6px;border:2px solid}
    .verdict.ok{background:#dafbe1;border-color:#1a7f37;color:#0f5323}.verdict.bad{background:#ffebe9;border-color:#cf222e;color:#82071e}
    .incomplete{background:#fff8c5;border:1px solid #bf8700;padding:.4em .8em;border-radius:6px;margin:.5em 0}
    table{border-collapse:collapse;width:100%;margin:.3em 0;font-size:13px}
    th,td{border:1px solid #d0d7de;padding:3px 6px;text-align:left;vertical-align:top}
    th{background:#f6f8fa;position:sticky;top:0}
    table.sortable th{cursor:pointer;user-select:none}table.sortable th:hover{background:#eaeef2}
    th[aria-sort=ascending]::after{content:" \\25B2"}th[aria-sort=descending]::after{content:" \\25BC"}
    td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
    td.mono,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12px;overflow-wrap:anywhere}
    .s-seen,.s-allowed{color:#1a7f37;font-weight:600}.s-unanswered,.s-violation,.s-error,.s-failed,.s-expired{color:#cf222e;font-weight:600}
    .s-not_seen,.s-warning,.s-incomplete,.s-soon{color:#9a6700;font-weight:600}.s-info,.s-unrelated{color:#57606a}
    tr.violation{background:#fff5f5}
    .cut{color:#57606a;font-style:italic}
    .tools{margin:.4em 0}.tools input[type=search]{width:24em;padding:3px 6px}
    dl.kv{display:grid;grid-template-columns:max-content auto;gap:.1em 1em;margin:.3em 0}dl.kv dt{color:#57606a}dl.kv dd{margin:0}
    footer{margin-top:2em;color:#57606a;font-size:12px}
    .s-good{color:#1a7f37;font-weight:600}.s-poor{color:#cf222e;font-weight:600}.s-unclassified{color:#57606a}
    section.call{border:1px solid #d0d7de;border-radius:6px;padding:.2em .9em .6em;margin:.8em 0}
    section.call h3{font-size:1.05em;margin:.5em 0 .1em}section.call h4{font-size:1em;font-weight:500;margin:.8em 0 .2em}
    .timelines{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(100%,420px),1fr));gap:.4em 1em}
    .wide{overflow-x:auto}figure{margin:.3em 0}figcaption{color:#57606a;font-size:12px}
    svg.timeline{display:block;width:100%;max-width:640px;height:auto}svg.timeline.small{min-width:220px;max-width:360px}
    @media print{body{max-width:none;margin:0;font-size:10pt}.tools{display:none}th{position:static}
    table{font-size:8pt;page-break-inside:auto}tr{page-break-inside:avoid}h2{page-break-after:avoid}
    .verdict{border-width:1px}a{color:inherit;text-decoration:none}section.call,figure{page-break-inside:avoid}.wide{overflow:visible}}
    """

    /// Sorting by a column header (numbers by their `data-v`), and the flow filter. Reads the
    /// page's own cells only; marks `<html data-script="ok">` once set up, for the tests.
    static let script = """
    (function(){
    "use strict";
    function key(row,c){var cell=row.cells[c];if(!cell)return "";var v=cell.getAttribute("data-v");return v===null?cell.textContent.toLowerCase():parseFloat(v);}
    function sortBy(table,c,th){
      var body=table.tBodies[0],rows=Array.prototype.slice.call(body.rows);
      var up=th.getAttribute("aria-sort")!=="ascending";
      Array.prototype.forEach.call(table.tHead.rows[0].cells,function(h){h.removeAttribute("aria-sort");});
      th.setAttribute("aria-sort",up?"ascending":"descending");
      rows.sort(function(a,b){var x=key(a,c),y=key(b,c);if(typeof x!==typeof y){x=String(x);y=String(y);}return (x<y?-1:x>y?1:0)*(up?1:-1);});
      rows.forEach(function(r){body.appendChild(r);});
    }
    Array.prototype.forEach.call(document.querySelectorAll("table.sortable"),function(table){
      Array.prototype.forEach.call(table.tHead.rows[0].cells,function(th,c){
        th.tabIndex=0;th.title="sort";
        th.addEventListener("click",function(){sortBy(table,c,th);});
        th.addEventListener("keydown",function(e){if(e.key==="Enter"){sortBy(table,c,th);}});
      });
    });
    var flows=document.getElementById("flows"),q=document.getElementById("flow-filter"),bad=document.getElementById("flow-violations"),shown=document.getElementById("flow-shown");
    function filter(){
      var words=q.value.toLowerCase().split(/\\s+/).filter(Boolean),n=0;
      Array.prototype.forEach.call(flows.tBodies[0].rows,function(r){
        var t=r.textContent.toLowerCase();
        var ok=words.every(function(w){return t.indexOf(w)>=0;})&&(!bad.checked||r.classList.contains("violation"));
        r.hidden=!ok;if(ok)n++;
      });
      shown.textContent=String(n);
    }
    if(flows&&q&&bad&&shown){q.addEventListener("input",filter);bad.addEventListener("change",filter);filter();}
    document.documentElement.setAttribute("data-script","ok");
    })();
    """
}
