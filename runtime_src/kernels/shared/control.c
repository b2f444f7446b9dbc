/* See control.h. */
#include "shared/control.h"

#include <string.h>

#ifndef SELRT_CONTROL
#error "control-flow kernels need SELRT_CONTROL (selrt_features.h, written by selbuild/codegen.py)"
#endif

/* Same dtype and shape (hence the same byte count). */
static int same_type(const selrt_tensor *a, const selrt_tensor *b) {
  if (a->dtype != b->dtype || a->rank != b->rank || a->bytes != b->bytes) return 0;
  for (int32_t d = 0; d < a->rank; d++)
    if (a->dims[d] != b->dims[d]) return 0;
  return 1;
}

selrt_status selrt_shared_control_check_call(const selrt_program *p, const selrt_node *n, int32_t callee,
                                             const int32_t *args, uint32_t n_args,
                                             const int32_t *results, uint32_t n_res) {
  if (!p->n_subgraphs) return SELRT_REJECT(p, "the program has no subgraphs to call", 0, 0);
  /* The caller: the subgraph whose node range holds n (they tile the list). */
  uint32_t at = (uint32_t)(n - p->nodes), caller = 0;
  while (caller + 1 < p->n_subgraphs && at >= p->subgraphs[caller + 1].first) caller++;
  if (callee <= (int32_t)caller || (uint32_t)callee >= p->n_subgraphs)
    return SELRT_REJECT(p, "subgraph % called from subgraph % must come after it (no recursion)", callee, caller);
  selrt_subgraph *g = &p->subgraphs[callee];
  /* Checks run in node order and every caller of g precedes g, so g's depth
   * is final before g's own control nodes are checked. */
  uint32_t depth = p->subgraphs[caller].depth + 1;
  if (depth > SELRT_MAX_CALL_DEPTH)
    return SELRT_REJECT(p, "calls nest % deep, above the limit of %", depth, SELRT_MAX_CALL_DEPTH);
  if (depth > g->depth) g->depth = depth;
  if (g->n_in != n_args) return SELRT_REJECT(p, "subgraph takes % inputs, the call passes %", g->n_in, n_args);
  for (uint32_t i = 0; i < n_args; i++)
    if (!same_type(&p->tensors[args[i]], &p->tensors[g->in[i]]))
      return SELRT_REJECT(p, "argument % differs from subgraph % input in dtype or shape", i, callee);
  if (!results) return SELRT_OK;
  if (g->n_out != n_res) return SELRT_REJECT(p, "subgraph gives % outputs, the call takes %", g->n_out, n_res);
  for (uint32_t i = 0; i < n_res; i++)
    if (!same_type(&p->tensors[results[i]], &p->tensors[g->out[i]]))
      return SELRT_REJECT(p, "result % differs from subgraph % output in dtype or shape", i, callee);
  return SELRT_OK;
}

selrt_status selrt_shared_control_check_copy(const selrt_program *p, const selrt_tensor *src,
                                             const selrt_tensor *dst) {
  if (!same_type(src, dst)) return SELRT_REJECT(p, "the variable and the value differ in dtype or shape", 0, 0);
  return SELRT_OK;
}

void selrt_shared_control_copy(selrt_session *s, const int32_t *dst, const int32_t *src, uint32_t n) {
  for (uint32_t i = 0; i < n; i++) {
    selrt_tensor *d = &s->tensors[dst[i]];
    const selrt_tensor *x = &s->tensors[src[i]];
    /* memmove: a hostile program may make distinct tensors overlap. */
    if (d->data != x->data) memmove(d->data, x->data, d->bytes);
  }
}

selrt_status selrt_shared_control_run(selrt_session *s, uint32_t g) {
  const selrt_program *p = s->p;
  const selrt_subgraph *sg = &p->subgraphs[g];
  for (uint32_t i = sg->first; i < sg->first + sg->count; i++) {
    const selrt_node *n = &p->nodes[i];
    selrt_status st = p->kernels[n->kernel]->run(s, n);
    if (st != SELRT_OK) return st;
  }
  return SELRT_OK;
}

selrt_status selrt_shared_control_tick(selrt_session *s) {
  uint64_t cap = s->p->max_iterations < s->iteration_cap ? s->p->max_iterations : s->iteration_cap;
  if (s->iterations >= cap) return SELRT_ERR_BUDGET;
  s->iterations++;
  return SELRT_OK;
}

void selrt_session_set_iteration_cap(selrt_session *s, uint64_t cap) {
  if (s) s->iteration_cap = cap;
}

void selrt_session_reset(selrt_session *s) {
  if (s) s->once = 0;
}
