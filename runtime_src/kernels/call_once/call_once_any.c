/* call_once.any: TFLite CALL_ONCE. Runs subgraph `init` (which assigns the
 * variables their first values) on the first run of a session and after
 * selrt_session_reset; later runs skip it. `slot` is this node's bit in the
 * session's done-mask (the converter numbers CALL_ONCE nodes 0..63). */
#include "shared/control.h"

selrt_status selrt_call_once_any_check(const selrt_program *p, const selrt_node *n) {
  const int32_t slot = n->ip[SELRT_call_once_any_IP_slot];
  if (slot < 0 || slot > 63) return SELRT_REJECT(p, "slot % is outside 0..63", slot, 0);
  return selrt_shared_control_check_call(p, n, n->ip[SELRT_call_once_any_IP_init], 0, 0, 0, 0);
}

selrt_status selrt_call_once_any_run(selrt_session *s, const selrt_node *n) {
  const uint64_t bit = (uint64_t)1 << n->ip[SELRT_call_once_any_IP_slot];
  if (s->once & bit) return SELRT_OK;
  selrt_status st = selrt_shared_control_run(s, (uint32_t)n->ip[SELRT_call_once_any_IP_init]);
  /* Done only when the init ran through: a failed init runs again next time. */
  if (st == SELRT_OK) s->once |= bit;
  return st;
}

SELRT_KERNEL(call_once_any, "call_once.any");
