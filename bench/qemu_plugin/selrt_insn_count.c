/*
 * qemu TCG plugin: counts the guest instructions a qemu-user run executes and
 * writes the total to the file named by its `out=` argument when the guest
 * exits. bench/arm_cost.py loads it with
 *     qemu-aarch64 -plugin selrt_insn_count.so,out=/tmp/count ...
 * Each translated block adds its instruction count to one counter every time
 * it runs (an inline add: no call per block). The runner is single-threaded,
 * so one counter without atomics is exact.
 */
#include <stdio.h>
#include <string.h>

#include "qemu_plugin_min.h"

QEMU_PLUGIN_EXPORT int qemu_plugin_version = QEMU_PLUGIN_VERSION;

static uint64_t executed;
static char out_path[4096];

static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb *tb) {
  (void)id;
  qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64, &executed,
                                           (uint64_t)qemu_plugin_tb_n_insns(tb));
}

static void at_guest_exit(qemu_plugin_id_t id, void *userdata) {
  (void)id;
  (void)userdata;
  FILE *f = fopen(out_path, "w");
  if (f) {
    fprintf(f, "%llu\n", (unsigned long long)executed);
    fclose(f);
  }
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc, char **argv) {
  (void)info;
  for (int i = 0; i < argc; i++) {
    if (strncmp(argv[i], "out=", 4) == 0 && strlen(argv[i] + 4) < sizeof out_path) {
      strcpy(out_path, argv[i] + 4);
    }
  }
  if (!out_path[0]) {
    fprintf(stderr, "selrt_insn_count: give the output file as out=PATH\n");
    return -1;
  }
  qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
  qemu_plugin_register_atexit_cb(id, at_guest_exit, NULL);
  return 0;
}
