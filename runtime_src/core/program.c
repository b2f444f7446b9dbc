/* selrt_program_load: verifies a .selrt program completely and builds the
 * in-memory program the interpreter runs.
 *
 * Verification happens while reading (fb.c checks every offset and length at
 * the moment it is followed); this file checks the meaning: indices, dtypes,
 * shapes, byte sizes, arena ranges, kernel resolution and parameter counts,
 * and finally lets every node's kernel check its own shapes and parameters.
 * Nothing the program says is used before it has been checked.
 *
 * Memory: one malloc holding the program struct, tensor templates, arena
 * offsets, nodes and resolved kernel pointers. Index and parameter vectors
 * (node inputs/outputs/iparams/fparams, graph inputs/outputs), tensor names
 * and weights are used in place in the caller's bytes: nothing a program
 * says can make the loader allocate more than a fixed multiple of its size.
 *
 * Partitions (selrt_backend.h): a node's `partition` must be -1 or a valid
 * index into Program.partitions; a partition's node list must be one run of
 * consecutive nodes whose `partition` says the same. Its backend is looked
 * up in the generated backend table. A kernel missing from this runtime is
 * accepted only when every node using it lies in a partition whose backend
 * is compiled in (a `fallback: none` build): the backend verifies those nodes.
 */
#include <stdlib.h>
#include <string.h>

#include "fb.h"
#include "selrt_backend.h"
#include "selrt_core.h"

/* Field ids, in declaration order of schema/program.fbs. */
enum { P_VERSION, P_KERNELS, P_TENSORS, P_NODES, P_INPUTS, P_OUTPUTS, P_BUFFERS,
       P_ARENA_SIZE, P_METADATA, P_PARTITIONS, P_SUBGRAPHS, P_MAX_ITERATIONS };
enum { T_NAME, T_DTYPE, T_SHAPE, T_BUFFER, T_ARENA_OFFSET, T_SCALE, T_ZERO_POINT };
enum { N_KERNEL, N_INPUTS, N_OUTPUTS, N_IPARAMS, N_FPARAMS, N_PARTITION };
enum { B_DATA };
enum { PA_BACKEND, PA_PAYLOAD, PA_NODES };
enum { KV_KEY, KV_VALUE };
enum { S_NAME, S_FIRST_NODE, S_NODE_COUNT, S_INPUTS, S_OUTPUTS };

/* No real tensor comes near 2^48 elements; the cap keeps every byte count
 * computed below far from uint64_t overflow. */
#define MAX_ELEMENTS ((uint64_t)1 << 48)

typedef struct loader {
  selrt_fb fb;
  selrt_error *err;
  selrt_program *p;
  selrt_fb_vec buffers;
  uint32_t n_partitions;
} loader;

/* "<what> <index>: <detail>" (the index part only when index >= 0). */
static selrt_status fail(loader *L, selrt_status st, const char *what, int64_t index,
                         const char *detail) {
  selrt_msg m = selrt_msg_begin(L->err, st);
  selrt_msg_s(&m, what);
  if (index >= 0) {
    selrt_msg_s(&m, " ");
    selrt_msg_i(&m, index);
  }
  selrt_msg_s(&m, ": ");
  selrt_msg_s(&m, detail);
  return st;
}

static selrt_status bad(loader *L, const char *what, int64_t index, const char *detail) {
  return fail(L, SELRT_ERR_BAD_PROGRAM, what, index, detail);
}

/* Same as strcmp(table_name, s) == 0 for a string s of known length without
 * calling strlen (not in the library's libc subset). */
static int name_eq(const char *table_name, const char *s, uint32_t len) {
  uint32_t i = 0;
  for (; i < len; i++)
    if (table_name[i] != s[i] || !table_name[i]) return 0;
  return table_name[i] == 0;
}

static selrt_status missing_kernel(loader *L, uint32_t i) {
  selrt_msg m = selrt_msg_begin(L->err, SELRT_ERR_MISSING_KERNEL);
  selrt_msg_s(&m, "program needs kernel '");
  selrt_msg_s(&m, L->p->kernel_names[i]);
  selrt_msg_s(&m, "' which this runtime was built without; add it to the config's ops and rebuild");
  return SELRT_ERR_MISSING_KERNEL;
}

static selrt_status resolve_kernels(loader *L, const selrt_fb_vec *names) {
  for (uint32_t i = 0; i < names->len; i++) {
    uint32_t len;
    const char *name = selrt_fb_vec_string(&L->fb, names, i, &len);
    if (!name) return bad(L, "kernels", i, "malformed string");
    L->p->kernel_names[i] = name; /* NUL-terminated inside the buffer (fb.c) */
    const selrt_kernel *k = 0;
    for (uint32_t j = 0; j < selrt_kernel_table_size && !k; j++)
      if (selrt_kernel_table[j] && name_eq(selrt_kernel_table[j]->name, name, len))
        k = selrt_kernel_table[j];
    if (!k) {
      /* Without backends or partitions nothing can stand in for it. */
      if (!selrt_backend_table_size || !L->n_partitions) return missing_kernel(L, i);
    }
    L->p->kernels[i] = k;
  }
  return SELRT_OK;
}

static selrt_status load_tensor(loader *L, uint32_t i, const selrt_fb_table *tt) {
  selrt_fb *fb = &L->fb;
  selrt_program *p = L->p;
  selrt_tensor *t = &p->tensors[i];
  uint32_t name_len;
  const char *name = selrt_fb_string(fb, tt, T_NAME, &name_len);
  int32_t dtype = (int8_t)selrt_fb_u8(fb, tt, T_DTYPE, SELRT_F32); /* `byte` enum: signed */
  selrt_fb_vec shape = selrt_fb_vector(fb, tt, T_SHAPE, 4, 4);
  int32_t buffer = selrt_fb_i32(fb, tt, T_BUFFER, -1);
  int64_t offset = selrt_fb_i64(fb, tt, T_ARENA_OFFSET, -1);
  float scale = selrt_fb_f32(fb, tt, T_SCALE, 0.0f);
  int32_t zero_point = selrt_fb_i32(fb, tt, T_ZERO_POINT, 0);
  if (fb->bad) return bad(L, "tensor", i, "malformed table");

  size_t esize = selrt_dtype_size(dtype);
  if (!esize) return bad(L, "tensor", i, "unknown dtype");
  if (shape.len > SELRT_MAX_RANK) return bad(L, "tensor", i, "rank above SELRT_MAX_RANK (6)");
  uint64_t count = 1;
  for (uint32_t d = 0; d < shape.len; d++) {
    int32_t dim = selrt_fb_vec_i32(fb, &shape, d);
    /* Zero-size tensors are rejected: no kernel has to think about them and
     * every tensor has a real address. */
    if (dim < 1) return bad(L, "tensor", i, "dims must be >= 1");
    /* count <= 2^48 and dim < 2^31 can still wrap 64 bits (65536^4 = 2^64 -> 0). */
    if (__builtin_mul_overflow(count, (uint64_t)dim, &count) || count > MAX_ELEMENTS)
      return bad(L, "tensor", i, "too many elements");
    t->dims[d] = dim;
  }
  uint64_t bytes = count * esize;

  if (buffer >= 0 && offset == -1) {
    if ((uint32_t)buffer >= L->buffers.len) return bad(L, "tensor", i, "buffer index out of range");
    selrt_fb_table bt;
    selrt_fb_vec_table(fb, &L->buffers, (uint32_t)buffer, &bt);
    /* force_align: 16 in the schema; checked here because weights are read in place. */
    selrt_fb_vec data = selrt_fb_vector(fb, &bt, B_DATA, 1, 16);
    if (fb->bad) return bad(L, "tensor", i, "its buffer is malformed or not 16-byte aligned");
    if (data.len < bytes) return bad(L, "tensor", i, "its buffer is shorter than the tensor");
    t->data = (void *)(uintptr_t)(fb->b + data.pos); /* constants are never written */
    p->arena_offsets[i] = -1;
  } else if (buffer == -1 && offset >= 0) {
    if (offset % SELRT_ARENA_ALIGN) return bad(L, "tensor", i, "arena_offset not 16-byte aligned");
    if ((uint64_t)offset > p->arena_size || bytes > p->arena_size - (uint64_t)offset)
      return bad(L, "tensor", i, "arena range exceeds arena_size");
    t->data = 0;
    p->arena_offsets[i] = offset;
  } else {
    return bad(L, "tensor", i, "exactly one of buffer and arena_offset must be set");
  }
  /* bytes <= buffer length (< 2^31) or <= arena_size (<= SIZE_MAX): fits. */
  t->bytes = (size_t)bytes;
  t->dtype = (selrt_dtype)dtype;
  t->rank = (int32_t)shape.len;
  t->name = name ? name : "";
  t->scale = scale;
  t->zero_point = zero_point;
  return SELRT_OK;
}

static int tensor_ok(const selrt_program *p, int32_t idx) {
  return idx >= 0 && (uint32_t)idx < p->n_tensors;
}
static int arena_tensor_ok(const selrt_program *p, int32_t idx) {
  return tensor_ok(p, idx) && p->arena_offsets[idx] >= 0;
}

/* Node failures name the kernel too: "node 3 (add.f32): ...". */
static selrt_status bad_node(loader *L, uint32_t i, const selrt_kernel *k, const char *detail,
                             selrt_status st) {
  selrt_msg m = selrt_msg_begin(L->err, st);
  selrt_msg_s(&m, "node ");
  selrt_msg_u(&m, i);
  if (k) {
    selrt_msg_s(&m, " (");
    selrt_msg_s(&m, k->name);
    selrt_msg_s(&m, ")");
  }
  selrt_msg_s(&m, ": ");
  selrt_msg_s(&m, detail);
  return st;
}

#ifndef SELRT_NO_REASONS
/* bad_node's message, then ": <reason>" with each '%' of the reason replaced
 * by its next number. */
static void reason_message(loader *L, uint32_t i, const selrt_kernel *k, const char *detail,
                           const selrt_reason *why, selrt_status st) {
  selrt_msg m = selrt_msg_begin(L->err, st);
  selrt_msg_s(&m, "node ");
  selrt_msg_u(&m, i);
  selrt_msg_s(&m, " (");
  selrt_msg_s(&m, k->name);
  selrt_msg_s(&m, "): ");
  selrt_msg_s(&m, detail);
  selrt_msg_s(&m, ": ");
  const int64_t v[2] = {why->a, why->b};
  int used = 0;
  const char *t = why->text;
  for (;;) {
    size_t n = 0;
    while (t[n] && t[n] != '%') n++;
    selrt_msg_sn(&m, t, n);
    if (!t[n]) break;
    if (used < 2) selrt_msg_i(&m, v[used++]);
    t += n + 1;
  }
}

selrt_status selrt_reject(const selrt_program *p, const char *text, int64_t a, int64_t b) {
  if (p && p->reason) {
    p->reason->text = text;
    p->reason->a = a;
    p->reason->b = b;
  }
  return SELRT_ERR_UNSUPPORTED;
}
#endif

static selrt_status load_node(loader *L, uint32_t i, const selrt_fb_table *nt) {
  selrt_fb *fb = &L->fb;
  selrt_program *p = L->p;
  uint32_t kernel = selrt_fb_u32(fb, nt, N_KERNEL, 0);
  selrt_fb_vec in = selrt_fb_vector(fb, nt, N_INPUTS, 4, 4);
  selrt_fb_vec out = selrt_fb_vector(fb, nt, N_OUTPUTS, 4, 4);
  selrt_fb_vec ip = selrt_fb_vector(fb, nt, N_IPARAMS, 4, 4);
  selrt_fb_vec fp = selrt_fb_vector(fb, nt, N_FPARAMS, 4, 4);
  int32_t partition = selrt_fb_i32(fb, nt, N_PARTITION, -1);
  if (fb->bad) return bad_node(L, i, 0, "malformed table", SELRT_ERR_BAD_PROGRAM);
  if (kernel >= p->n_kernels) return bad_node(L, i, 0, "kernel index out of range", SELRT_ERR_BAD_PROGRAM);
  const selrt_kernel *k = p->kernels[kernel];
  /* No CPU kernel (fallback: none): counts are the backend's to check; the
   * catalogue bound on the work below becomes the node's own vector lengths,
   * which are bounded by the program size. */
  if (!k) {
    /* No CPU kernel: the catalogue's own limit (uint8 counts) bounds the
     * overlap check below. */
    if (in.len > 255 || out.len > 255 || !out.len)
      return bad_node(L, i, 0, "wrong number of inputs or outputs", SELRT_ERR_BAD_PROGRAM);
    for (uint32_t j = 0; j < in.len; j++) {
      int32_t idx = selrt_fb_vec_i32(fb, &in, j);
      if (idx != -1 && !tensor_ok(p, idx))
        return bad_node(L, i, 0, "input tensor index out of range", SELRT_ERR_BAD_PROGRAM);
    }
  } else {
    /* Counts first: they bound the work done on this node by the catalogue,
     * not by what the program claims. */
    if (in.len < k->min_inputs || in.len > k->max_inputs)
      return bad_node(L, i, k, "wrong number of inputs", SELRT_ERR_BAD_PROGRAM);
    if (out.len < k->n_outputs || out.len > k->max_outputs)
      return bad_node(L, i, k, "wrong number of outputs", SELRT_ERR_BAD_PROGRAM);
    if (ip.len != k->n_iparams) return bad_node(L, i, k, "wrong number of iparams", SELRT_ERR_BAD_PROGRAM);
    if (fp.len != k->n_fparams) return bad_node(L, i, k, "wrong number of fparams", SELRT_ERR_BAD_PROGRAM);
  }
  for (uint32_t j = 0; k && j < in.len; j++) {
    int32_t idx = selrt_fb_vec_i32(fb, &in, j);
    if (idx == -1 && j < 64 && ((k->optional_inputs >> j) & 1)) continue;
    if (!tensor_ok(p, idx)) return bad_node(L, i, k, "input tensor index out of range (or -1 for a required input)", SELRT_ERR_BAD_PROGRAM);
  }
  for (uint32_t j = 0; j < out.len; j++)
    if (!arena_tensor_ok(p, selrt_fb_vec_i32(fb, &out, j)))
      return bad_node(L, i, k, "output must be an arena tensor index", SELRT_ERR_BAD_PROGRAM);
  /* Kernels may assume their outputs do not alias their inputs (memcpy in
   * copy kernels, conv reading input rows after writing output rows): the
   * planner never shares bytes between tensors live at the same step, so
   * any overlap means a corrupt program. Cost: out.len * in.len, bounded by
   * the catalogue (no kernel is variadic in both). */
  for (uint32_t j = 0; j < out.len; j++) {
    int32_t o = selrt_fb_vec_i32(fb, &out, j);
    uint64_t o_lo = (uint64_t)p->arena_offsets[o], o_hi = o_lo + p->tensors[o].bytes;
    for (uint32_t m = 0; m < in.len; m++) {
      int32_t x = selrt_fb_vec_i32(fb, &in, m);
      if (x < 0 || p->arena_offsets[x] < 0) continue; /* omitted, or a constant */
      uint64_t x_lo = (uint64_t)p->arena_offsets[x], x_hi = x_lo + p->tensors[x].bytes;
      if (o_lo < x_hi && x_lo < o_hi)
        return bad_node(L, i, k, "an output overlaps an input in the arena", SELRT_ERR_BAD_PROGRAM);
    }
  }
  if (partition < -1 || (partition >= 0 && (uint32_t)partition >= L->n_partitions))
    return bad_node(L, i, k, "partition index out of range", SELRT_ERR_BAD_PROGRAM);

  selrt_node *n = &p->nodes[i];
  n->kernel = kernel;
  n->n_in = in.len;
  n->n_out = out.len;
  n->n_ip = ip.len;
  n->n_fp = fp.len;
  /* In place: 4-aligned inside a 16-aligned buffer, little-endian host. */
  n->in = (const int32_t *)(const void *)(fb->b + in.pos);
  n->out = (const int32_t *)(const void *)(fb->b + out.pos);
  n->ip = (const int32_t *)(const void *)(fb->b + ip.pos);
  n->fp = (const float *)(const void *)(fb->b + fp.pos);
  n->partition = partition;
  return SELRT_OK;
}

static selrt_status load_io(loader *L, const selrt_fb_vec *v, const char *what, const int32_t **out) {
  for (uint32_t j = 0; j < v->len; j++)
    if (!arena_tensor_ok(L->p, selrt_fb_vec_i32(&L->fb, v, j)))
      return bad(L, what, j, "must be an arena tensor index");
  *out = (const int32_t *)(const void *)(L->fb.b + v->pos);
  return SELRT_OK;
}

/* Partitions (see the header comment) and metadata: "verified completely"
 * means no byte of the program escapes the checks. */
static selrt_status check_extras(loader *L, const selrt_fb_vec *parts, const selrt_fb_vec *meta) {
  selrt_fb *fb = &L->fb;
  selrt_program *p = L->p;
  for (uint32_t i = 0; i < parts->len; i++) {
    selrt_fb_table t;
    uint32_t len = 0;
    selrt_partition *part = &p->partitions[i];
    selrt_fb_vec_table(fb, parts, i, &t);
    const char *name = selrt_fb_string(fb, &t, PA_BACKEND, &len);
    selrt_fb_vec payload = selrt_fb_vector(fb, &t, PA_PAYLOAD, 1, 16);
    selrt_fb_vec nodes = selrt_fb_vector(fb, &t, PA_NODES, 4, 4);
    if (fb->bad) return bad(L, "partition", i, "malformed table");
    for (uint32_t j = 0; j < nodes.len; j++)
      if (selrt_fb_vec_u32(fb, &nodes, j) >= p->n_nodes)
        return bad(L, "partition", i, "node index out of range");
    if (!nodes.len) return bad(L, "partition", i, "no nodes");
    part->index = i;
    part->first = selrt_fb_vec_u32(fb, &nodes, 0);
    part->count = nodes.len;
    /* first + count <= n_nodes follows from the consecutive check below. */
    for (uint32_t j = 1; j < nodes.len; j++)
      if (selrt_fb_vec_u32(fb, &nodes, j) != part->first + j)
        return bad(L, "partition", i, "nodes must be consecutive and ascending");
    part->backend_name = name ? name : "";
    part->payload = payload.len ? fb->b + payload.pos : (const uint8_t *)0;
    part->payload_len = payload.len;
    part->backend = 0;
    for (uint32_t j = 0; name && j < selrt_backend_table_size && !part->backend; j++)
      if (selrt_backend_table[j] && name_eq(selrt_backend_table[j]->name, name, len))
        part->backend = selrt_backend_table[j];
    part->cpu_ok = 1;
  }
  /* Node <-> partition agreement both ways; nodes without a CPU kernel must
   * be in a partition whose backend this runtime has. */
  for (uint32_t i = 0; i < p->n_nodes; i++) {
    const selrt_node *n = &p->nodes[i];
    if (n->partition >= 0) {
      selrt_partition *part = &p->partitions[n->partition];
      if (i < part->first || i - part->first >= part->count)
        return bad_node(L, i, p->kernels[n->kernel], "not in the node list of its partition", SELRT_ERR_BAD_PROGRAM);
      if (!p->kernels[n->kernel]) part->cpu_ok = 0;
    }
    if (!p->kernels[n->kernel] && (n->partition < 0 || !p->partitions[n->partition].backend))
      return missing_kernel(L, n->kernel);
  }
  for (uint32_t i = 0; i < parts->len; i++) {
    const selrt_partition *part = &p->partitions[i];
    for (uint32_t j = part->first; j < part->first + part->count; j++)
      if (p->nodes[j].partition != (int32_t)i)
        return bad(L, "partition", i, "lists a node whose partition is another");
  }
  for (uint32_t i = 0; i < meta->len; i++) {
    selrt_fb_table t;
    uint32_t len;
    selrt_fb_vec_table(fb, meta, i, &t);
    selrt_fb_string(fb, &t, KV_KEY, &len);
    selrt_fb_string(fb, &t, KV_VALUE, &len);
    if (fb->bad) return bad(L, "metadata", i, "malformed table");
  }
  return SELRT_OK;
}

#ifdef SELRT_CONTROL
/* Loop iterations per run when the program does not say. */
#define DEFAULT_MAX_ITERATIONS ((uint64_t)1 << 20)

/* Subgraphs tile the node list in order, subgraph 0 (the entry graph) first;
 * afterwards n_nodes counts the entry graph only, which is what selrt_run and
 * partitions see. Calls between subgraphs are the control kernels' checks to
 * verify (indices, signatures, depth); their nodes are checked like any. */
static selrt_status load_subgraphs(loader *L, const selrt_fb_vec *subs) {
  selrt_fb *fb = &L->fb;
  selrt_program *p = L->p;
  uint32_t next = 0;
  for (uint32_t i = 0; i < subs->len; i++) {
    selrt_fb_table t;
    uint32_t len;
    selrt_fb_vec_table(fb, subs, i, &t);
    selrt_fb_string(fb, &t, S_NAME, &len);
    uint32_t first = selrt_fb_u32(fb, &t, S_FIRST_NODE, 0);
    uint32_t count = selrt_fb_u32(fb, &t, S_NODE_COUNT, 0);
    selrt_fb_vec in = selrt_fb_vector(fb, &t, S_INPUTS, 4, 4);
    selrt_fb_vec out = selrt_fb_vector(fb, &t, S_OUTPUTS, 4, 4);
    if (fb->bad) return bad(L, "subgraph", i, "malformed table");
    if (first != next || count > p->n_all_nodes - first)
      return bad(L, "subgraph", i, "its nodes must follow the previous subgraph's inside the node list");
    for (uint32_t j = 0; j < in.len; j++)
      if (!arena_tensor_ok(p, selrt_fb_vec_i32(fb, &in, j)))
        return bad(L, "subgraph", i, "an input must be an arena tensor index");
    for (uint32_t j = 0; j < out.len; j++)
      if (!tensor_ok(p, selrt_fb_vec_i32(fb, &out, j)))
        return bad(L, "subgraph", i, "output tensor index out of range");
    selrt_subgraph *g = &p->subgraphs[i];
    g->first = first;
    g->count = count;
    g->n_in = in.len;
    g->n_out = out.len;
    g->in = (const int32_t *)(const void *)(fb->b + in.pos);
    g->out = (const int32_t *)(const void *)(fb->b + out.pos);
    g->depth = 0;
    next = first + count;
  }
  if (!subs->len) return SELRT_OK;
  if (next != p->n_all_nodes) return bad(L, "program", -1, "subgraphs must cover every node");
  /* Called nodes run on the CPU only: no partition, a kernel in this runtime. */
  for (uint32_t i = p->subgraphs[0].count; i < p->n_all_nodes; i++) {
    if (p->nodes[i].partition != -1)
      return bad_node(L, i, 0, "a called subgraph's node cannot be in a partition", SELRT_ERR_BAD_PROGRAM);
    if (!p->kernels[p->nodes[i].kernel]) return missing_kernel(L, p->nodes[i].kernel);
  }
  p->n_nodes = p->subgraphs[0].count;
  return SELRT_OK;
}
#endif

/* Rounds up to 8: the strictest alignment of anything in the block. */
static uint64_t up8(uint64_t x) { return (x + 7) & ~(uint64_t)7; }

static selrt_status load(loader *L, const void *bytes, size_t n) {
  selrt_fb *fb = &L->fb;
  selrt_fb_table root;
  if (!selrt_fb_root(fb, bytes, n, "SLRT", &root)) {
    if (n < 8 || n > SELRT_FB_MAX_SIZE || !bytes)
      return bad(L, "program", -1, "too short or too large to be a .selrt program");
    return bad(L, "program", -1, "not a .selrt program (file identifier 'SLRT' missing) or corrupt root table");
  }
  uint32_t version = selrt_fb_u32(fb, &root, P_VERSION, 0);
  if (fb->bad) return bad(L, "program", -1, "malformed root table");
  if (version != SELRT_PROGRAM_VERSION) {
    selrt_msg m = selrt_msg_begin(L->err, SELRT_ERR_VERSION);
    selrt_msg_s(&m, "program format version ");
    selrt_msg_u(&m, version);
    selrt_msg_s(&m, ", this runtime reads version ");
    selrt_msg_u(&m, SELRT_PROGRAM_VERSION);
    selrt_msg_s(&m, "; convert the model again with a matching selbuild");
    return SELRT_ERR_VERSION;
  }
  selrt_fb_vec kernels = selrt_fb_vector(fb, &root, P_KERNELS, 4, 4);
  selrt_fb_vec tensors = selrt_fb_vector(fb, &root, P_TENSORS, 4, 4);
  selrt_fb_vec nodes = selrt_fb_vector(fb, &root, P_NODES, 4, 4);
  selrt_fb_vec inputs = selrt_fb_vector(fb, &root, P_INPUTS, 4, 4);
  selrt_fb_vec outputs = selrt_fb_vector(fb, &root, P_OUTPUTS, 4, 4);
  L->buffers = selrt_fb_vector(fb, &root, P_BUFFERS, 4, 4);
  uint64_t arena_size = selrt_fb_u64(fb, &root, P_ARENA_SIZE, 0);
  selrt_fb_vec meta = selrt_fb_vector(fb, &root, P_METADATA, 4, 4);
  selrt_fb_vec parts = selrt_fb_vector(fb, &root, P_PARTITIONS, 4, 4);
#ifdef SELRT_CONTROL
  selrt_fb_vec subs = selrt_fb_vector(fb, &root, P_SUBGRAPHS, 4, 4);
  uint64_t max_iterations = selrt_fb_u64(fb, &root, P_MAX_ITERATIONS, 0);
#endif
  if (fb->bad) return bad(L, "program", -1, "malformed root table");
  if (arena_size > (uint64_t)SIZE_MAX - SELRT_ARENA_ALIGN)
    return bad(L, "program", -1, "arena_size too large for this machine");
  L->n_partitions = parts.len;

  /* Every count is < n / 4 < 2^29, so the sum below cannot wrap uint64_t;
   * it may still exceed a 32-bit size_t, hence the check. */
  uint64_t o_tensors = up8(sizeof(selrt_program));
  uint64_t o_offsets = up8(o_tensors + (uint64_t)tensors.len * sizeof(selrt_tensor));
  uint64_t o_nodes = up8(o_offsets + (uint64_t)tensors.len * sizeof(int64_t));
  uint64_t o_kernels = up8(o_nodes + (uint64_t)nodes.len * sizeof(selrt_node));
  uint64_t o_names = up8(o_kernels + (uint64_t)kernels.len * sizeof(const selrt_kernel *));
  uint64_t o_parts = up8(o_names + (uint64_t)kernels.len * sizeof(const char *));
  uint64_t total = o_parts + (uint64_t)parts.len * sizeof(selrt_partition);
#ifdef SELRT_CONTROL
  uint64_t o_subs = up8(total);
  total = o_subs + (uint64_t)subs.len * sizeof(selrt_subgraph);
#endif
  if (total > SIZE_MAX) return fail(L, SELRT_ERR_NO_MEMORY, "program", -1, "too large for this machine");
  uint8_t *block = (uint8_t *)malloc((size_t)total);
  if (!block) return fail(L, SELRT_ERR_NO_MEMORY, "program", -1, "out of memory");
  memset(block, 0, (size_t)total);
  selrt_program *p = (selrt_program *)(void *)block;
  L->p = p;
  p->bytes = fb->b;
  p->n_bytes = n;
  p->n_tensors = tensors.len;
  p->n_nodes = nodes.len;
  p->n_kernels = kernels.len;
  p->n_inputs = inputs.len;
  p->n_outputs = outputs.len;
  p->arena_size = (size_t)arena_size;
  p->tensors = (selrt_tensor *)(void *)(block + o_tensors);
  p->arena_offsets = (int64_t *)(void *)(block + o_offsets);
  p->nodes = (selrt_node *)(void *)(block + o_nodes);
  p->kernels = (const selrt_kernel **)(void *)(block + o_kernels);
  p->kernel_names = (const char **)(void *)(block + o_names);
  p->n_partitions = parts.len;
  p->partitions = (selrt_partition *)(void *)(block + o_parts);
#ifdef SELRT_CONTROL
  p->n_all_nodes = nodes.len;
  p->n_subgraphs = subs.len;
  p->subgraphs = (selrt_subgraph *)(void *)(block + o_subs);
  p->max_iterations = max_iterations ? max_iterations : DEFAULT_MAX_ITERATIONS;
#endif

  selrt_status st = resolve_kernels(L, &kernels);
  for (uint32_t i = 0; st == SELRT_OK && i < tensors.len; i++) {
    selrt_fb_table t;
    if (!selrt_fb_vec_table(fb, &tensors, i, &t)) return bad(L, "tensor", i, "malformed table");
    st = load_tensor(L, i, &t);
  }
  for (uint32_t i = 0; st == SELRT_OK && i < nodes.len; i++) {
    selrt_fb_table t;
    if (!selrt_fb_vec_table(fb, &nodes, i, &t)) return bad_node(L, i, 0, "malformed table", SELRT_ERR_BAD_PROGRAM);
    st = load_node(L, i, &t);
  }
  if (st == SELRT_OK) st = load_io(L, &inputs, "input", &p->inputs);
  if (st == SELRT_OK) st = load_io(L, &outputs, "output", &p->outputs);
#ifdef SELRT_CONTROL
  if (st == SELRT_OK) st = load_subgraphs(L, &subs);
#endif
  if (st == SELRT_OK) st = check_extras(L, &parts, &meta);
  /* Kernels check last: they may rely on everything above. */
  for (uint32_t i = 0; st == SELRT_OK && i < nodes.len; i++) {
    const selrt_kernel *k = p->kernels[p->nodes[i].kernel];
    if (!k) continue; /* the backend's init verifies it */
#ifndef SELRT_NO_REASONS
    selrt_reason why = {0, 0, 0};
    p->reason = &why;
#endif
    selrt_status kst = k->check(p, &p->nodes[i]);
    if (kst != SELRT_OK) {
      if (kst != SELRT_ERR_BAD_PROGRAM && kst != SELRT_ERR_UNSUPPORTED) kst = SELRT_ERR_UNSUPPORTED;
      st = bad_node(L, i, k, "the kernel rejects its shapes or parameters", kst);
#ifndef SELRT_NO_REASONS
      if (why.text) reason_message(L, i, k, "the kernel rejects its shapes or parameters", &why, kst);
#endif
    }
#ifndef SELRT_NO_REASONS
    p->reason = 0;
#endif
  }
  return st;
}

selrt_status selrt_program_load(const void *bytes, size_t n, selrt_program **out, selrt_error *err) {
  loader L;
  memset(&L, 0, sizeof L);
  L.err = err;
  selrt_msg m = selrt_msg_begin(err, SELRT_OK);
  (void)m;
  if (!out) return fail(&L, SELRT_ERR_INVALID_ARG, "selrt_program_load", -1, "out is NULL");
  *out = 0;
  if (!bytes) return fail(&L, SELRT_ERR_INVALID_ARG, "selrt_program_load", -1, "bytes is NULL");
  if ((uintptr_t)bytes % SELRT_ARENA_ALIGN)
    return fail(&L, SELRT_ERR_UNALIGNED, "program", -1,
                "bytes must be 16-byte aligned (weights are read in place)");
  selrt_status st = load(&L, bytes, n);
  if (st != SELRT_OK) {
    free(L.p);
    return st;
  }
  *out = L.p;
  return SELRT_OK;
}

void selrt_program_free(selrt_program *p) { free(p); }

size_t selrt_arena_size(const selrt_program *p) { return p ? p->arena_size : 0; }
int selrt_num_inputs(const selrt_program *p) { return p ? (int)p->n_inputs : 0; }
int selrt_num_outputs(const selrt_program *p) { return p ? (int)p->n_outputs : 0; }
int selrt_num_partitions(const selrt_program *p) { return p ? (int)p->n_partitions : 0; }
