/* Control flow shared by while.any and if.any: verifying a call from one
 * subgraph into another at load, and at run time copying operands in and
 * results out, running a subgraph's nodes, and counting loop iterations.
 *
 * Compiled only into runtimes whose kernel selection has a control-flow
 * kernel (codegen writes SELRT_CONTROL into selrt_features.h then), so a
 * straight-line runtime carries none of it. */
#ifndef SELRT_SHARED_CONTROL_H
#define SELRT_SHARED_CONTROL_H

#include "selrt_kernel.h"

/* At load: node n (of subgraph `caller`, found from n) calls subgraph
 * `callee` with the n_args tensors `args` and, when results != NULL, takes
 * its n_res results into `results`. Verifies the callee index (it must be
 * above the caller's: no cycles, so no recursion), the depth bound and that
 * every argument/result has its callee tensor's dtype and shape. */
selrt_status selrt_shared_control_check_call(const selrt_program *p, const selrt_node *n, int32_t callee,
                                             const int32_t *args, uint32_t n_args,
                                             const int32_t *results, uint32_t n_res);

/* At load: src and dst of a variable read or assignment agree in dtype and shape. */
selrt_status selrt_shared_control_check_copy(const selrt_program *p, const selrt_tensor *src,
                                             const selrt_tensor *dst);

/* dst[i] = src[i] for n tensors of equal size (verified); a tensor copied to
 * itself is left alone. */
void selrt_shared_control_copy(selrt_session *s, const int32_t *dst, const int32_t *src, uint32_t n);

/* Runs subgraph g's nodes in order; the first failing status ends it. */
selrt_status selrt_shared_control_run(selrt_session *s, uint32_t g);

/* One more loop iteration of this run: SELRT_ERR_BUDGET once the program's
 * max_iterations (or the session's lower cap) is used up. */
selrt_status selrt_shared_control_tick(selrt_session *s);

#endif
