/*
 * The few declarations of QEMU's TCG plugin interface that selrt_insn_count.c
 * uses, written here because Debian's qemu-user ships no plugin header.
 * They describe plugin API version 1 (QEMU 4.2 to 8.x): a plugin is a shared
 * object exporting `qemu_plugin_version` and `qemu_plugin_install`; QEMU
 * calls back for every translated block, and an inline operation lets a block
 * add a constant to a counter each time it executes, without a call.
 * (From QEMU 9 the inline call takes a scoreboard entry instead: the bench
 * checks the running qemu's version before building.)
 */
#ifndef SELRT_QEMU_PLUGIN_MIN_H
#define SELRT_QEMU_PLUGIN_MIN_H

#include <stddef.h>
#include <stdint.h>

#define QEMU_PLUGIN_EXPORT __attribute__((visibility("default")))
#define QEMU_PLUGIN_VERSION 1

typedef uint64_t qemu_plugin_id_t;
typedef struct qemu_info_t qemu_info_t;   /* only passed through */
struct qemu_plugin_tb;

enum qemu_plugin_op { QEMU_PLUGIN_INLINE_ADD_U64 = 0 };

typedef void (*qemu_plugin_vcpu_tb_trans_cb_t)(qemu_plugin_id_t id, struct qemu_plugin_tb *tb);
typedef void (*qemu_plugin_udata_cb_t)(qemu_plugin_id_t id, void *userdata);

void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id, qemu_plugin_vcpu_tb_trans_cb_t cb);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
void qemu_plugin_register_vcpu_tb_exec_inline(struct qemu_plugin_tb *tb, enum qemu_plugin_op op,
                                              void *ptr, uint64_t imm);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id, qemu_plugin_udata_cb_t cb, void *userdata);

#endif
