/* while.any: TFLite WHILE. The loop-carried values start as the node's
 * inputs; while subgraph `cond` (same inputs, one bool output) says true,
 * subgraph `body` maps them to their next values. The node's outputs are the
 * final values. Values move by copy: node inputs into the cond and body
 * inputs, body outputs back into them (a body output that is its own input
 * is not copied). Every iteration counts against the run's budget. */
#include "shared/control.h"

selrt_status selrt_while_any_check(const selrt_program *p, const selrt_node *n) {
  const int32_t cond = n->ip[SELRT_while_any_IP_cond], body = n->ip[SELRT_while_any_IP_body];
  if (n->n_in != n->n_out) return SELRT_REJECT(p, "% loop values in, % out", n->n_in, n->n_out);
  /* cond: the values in, one bool out. */
  selrt_status st = selrt_shared_control_check_call(p, n, cond, n->in, n->n_in, 0, 0);
  if (st != SELRT_OK) return st;
  const selrt_subgraph *c = &p->subgraphs[cond];
  if (c->n_out != 1) return SELRT_REJECT(p, "the condition gives % outputs, not 1", c->n_out, 0);
  const selrt_tensor *flag = &p->tensors[c->out[0]];
  if (flag->dtype != SELRT_BOOL || flag->bytes != 1) return SELRT_REJECT(p, "the condition is not one bool", 0, 0);
  /* body: the values in, their next values out (the node's outputs have the same types). */
  st = selrt_shared_control_check_call(p, n, body, n->in, n->n_in, n->out, n->n_out);
  if (st != SELRT_OK) return st;
  /* The results are the body's inputs after the last iteration. */
  st = selrt_shared_control_check_call(p, n, body, n->out, n->n_out, 0, 0);
  if (st != SELRT_OK) return st;
  /* Values move back one by one: a body output may be its own input, never
   * another value's (that one would be overwritten before it is read). */
  const selrt_subgraph *b = &p->subgraphs[body];
  for (uint32_t i = 0; i < b->n_out; i++)
    for (uint32_t j = 0; j < b->n_in; j++)
      if (j != i && b->out[i] == b->in[j])
        return SELRT_REJECT(p, "body output % is the input of loop value %", i, j);
  return SELRT_OK;
}

selrt_status selrt_while_any_run(selrt_session *s, const selrt_node *n) {
  const selrt_program *p = s->p;
  const selrt_subgraph *c = &p->subgraphs[n->ip[SELRT_while_any_IP_cond]];
  const selrt_subgraph *b = &p->subgraphs[n->ip[SELRT_while_any_IP_body]];
  selrt_shared_control_copy(s, b->in, n->in, n->n_in);
  for (;;) {
    selrt_shared_control_copy(s, c->in, b->in, n->n_in);
    selrt_status st = selrt_shared_control_run(s, (uint32_t)n->ip[SELRT_while_any_IP_cond]);
    if (st != SELRT_OK) return st;
    if (!*(const uint8_t *)s->tensors[c->out[0]].data) break;
    st = selrt_shared_control_tick(s);
    if (st != SELRT_OK) return st;
    st = selrt_shared_control_run(s, (uint32_t)n->ip[SELRT_while_any_IP_body]);
    if (st != SELRT_OK) return st;
    selrt_shared_control_copy(s, b->in, b->out, n->n_in);
  }
  selrt_shared_control_copy(s, n->out, b->in, n->n_out);
  return SELRT_OK;
}

SELRT_KERNEL(while_any, "while.any");
