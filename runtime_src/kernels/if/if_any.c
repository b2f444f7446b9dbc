/* if.any: TFLite IF. Input 0 is one bool;
 * the other inputs are copied into subgraph `then_branch` or `else_branch`,
 * which runs, and its outputs are copied into the node's outputs. */
#include "shared/control.h"

selrt_status selrt_if_any_check(const selrt_program *p, const selrt_node *n) {
  const selrt_tensor *c = selrt_pin(p, n, 0);
  if (selrt_numel(c) != 1) return SELRT_REJECT(p, "the condition has % elements, not 1", selrt_numel(c), 0);
  if (c->dtype != SELRT_BOOL) return SELRT_REJECT(p, "the condition's dtype % is not bool", c->dtype, 0);
  selrt_status st = selrt_shared_control_check_call(p, n, n->ip[SELRT_if_any_IP_then_branch], n->in + 1,
                                                    n->n_in - 1, n->out, n->n_out);
  if (st != SELRT_OK) return st;
  return selrt_shared_control_check_call(p, n, n->ip[SELRT_if_any_IP_else_branch], n->in + 1, n->n_in - 1,
                                         n->out, n->n_out);
}

selrt_status selrt_if_any_run(selrt_session *s, const selrt_node *n) {
  const selrt_tensor *c = selrt_in(s, n, 0);
  uint32_t g = (uint32_t)(*(const uint8_t *)c->data ? n->ip[SELRT_if_any_IP_then_branch] : n->ip[SELRT_if_any_IP_else_branch]);
  const selrt_subgraph *sg = &s->p->subgraphs[g];
  selrt_shared_control_copy(s, sg->in, n->in + 1, n->n_in - 1);
  selrt_status st = selrt_shared_control_run(s, g);
  if (st != SELRT_OK) return st;
  selrt_shared_control_copy(s, n->out, sg->out, n->n_out);
  return SELRT_OK;
}

SELRT_KERNEL(if_any, "if.any");
