// Solves a CPLEX LP file with HiGHS (npm package "highs", WASM) and prints
// the objective value. Used by bench/alloc as a reference solver.
const fs = require("fs");
const model = fs.readFileSync(process.argv[2], "utf8");
require("highs")().then((highs) => {
  const sol = highs.solve(model, { mip_rel_gap: 0 });
  if (sol.Status !== "Optimal") {
    console.error(sol.Status);
    process.exit(1);
  }
  console.log(sol.ObjectiveValue);
});
