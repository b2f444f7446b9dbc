/* The interpreter: everything was decided ahead of time and verified at
 * load, so running a program is a loop over its nodes in order. A node in a
 * partition whose backend is up in this session (selrt_backend.h) hands the
 * whole partition to the backend and the loop jumps past it. */
#include "selrt_backend.h"
#include "selrt_core.h"

selrt_status selrt_run(selrt_session *s) {
  if (!s) return SELRT_ERR_INVALID_ARG;
  const selrt_program *p = s->p;
#ifdef SELRT_CONTROL
  s->iterations = 0; /* the iteration budget is per run */
#endif
  /* Fail before touching anything when a partition can run neither way. */
  for (uint32_t i = 0; i < p->n_partitions; i++)
    if (!s->backends[i].handle && !p->partitions[i].cpu_ok) return SELRT_ERR_BACKEND;
  for (uint32_t i = 0; i < p->n_nodes;) {
    const selrt_node *n = &p->nodes[i];
    if (n->partition >= 0 && s->backends[n->partition].handle) {
      const selrt_partition *part = &p->partitions[n->partition];
      selrt_backend_state *b = &s->backends[n->partition];
      /* Verified: nodes [first, first + count) are exactly this partition and
       * i is its first node (the loop only ever lands on a partition's start). */
      selrt_status st = part->backend->run(s, part, b->handle);
      if (st == SELRT_OK) {
        i = part->first + part->count;
        continue;
      }
      if (!part->cpu_ok) return st;
      /* The device failed mid-run: the partition's inputs are intact in the
       * arena, so its CPU kernels can still produce the outputs. */
      part->backend->release(b->handle);
      b->handle = 0;
      selrt_msg m = selrt_msg_begin(&b->reason, SELRT_ERR_BACKEND);
      selrt_msg_s(&m, "backend run failed; running its nodes on the CPU from now on");
    }
    selrt_status st = p->kernels[n->kernel]->run(s, n);
    if (st != SELRT_OK) return st;
    i++;
  }
  return SELRT_OK;
}
