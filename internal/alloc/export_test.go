package alloc

import "time"

// For the external tests (sweep_test.go): the test instances and the
// deterministic stand-ins for the time limit.
var (
	RandomInstance  = randomInstance
	PackingInstance = packingInstance
	MediumInstance  = mediumInstance
)

// SolveWith is Solve with the Lagrangian phase limited to evaluations
// (-1: none) and the searches to nodeLimit relaxations in all (0: no limit).
func SolveWith(in *Instance, timeLimit time.Duration, evaluations, nodeLimit int) (*Solution, error) {
	return solve(in, timeLimit, options{lagrangeMin: lagrangeMinFacilities, flowBudget: flowBudget,
		lagrangeEvaluations: evaluations, nodeLimit: nodeLimit})
}
