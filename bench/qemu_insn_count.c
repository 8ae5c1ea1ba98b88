/* A QEMU TCG plugin that counts the guest instructions a program executes (all
 * threads), printed at exit as "guest_instructions N" on stderr. Debian's qemu-user
 * is built with plugin support but ships no plugin, so bench/arm_estimate.sh builds
 * this one. Only the few entry points used are declared here, as in QEMU 7.2's
 * public plugin API (include/qemu/qemu-plugin.h, API version 1).
 *   gcc -shared -fPIC -O2 -o libinsn_count.so bench/qemu_insn_count.c
 *   qemu-aarch64 -plugin ./libinsn_count.so PROGRAM ARGS... */
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef uint64_t qemu_plugin_id_t;
struct qemu_plugin_tb;
enum qemu_plugin_cb_flags { QEMU_PLUGIN_CB_NO_REGS };
typedef void (*qemu_plugin_vcpu_tb_trans_cb_t)(qemu_plugin_id_t id, struct qemu_plugin_tb* tb);
typedef void (*qemu_plugin_vcpu_udata_cb_t)(unsigned int vcpu_index, void* userdata);
typedef void (*qemu_plugin_udata_cb_t)(qemu_plugin_id_t id, void* userdata);
void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id, qemu_plugin_vcpu_tb_trans_cb_t cb);
void qemu_plugin_register_vcpu_tb_exec_cb(struct qemu_plugin_tb* tb, qemu_plugin_vcpu_udata_cb_t cb,
                                          enum qemu_plugin_cb_flags flags, void* userdata);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb* tb);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id, qemu_plugin_udata_cb_t cb, void* userdata);

__attribute__((visibility("default"))) int qemu_plugin_version = 1;

static _Atomic uint64_t executed;

/* Each translation block adds its length when it runs: an atomic add, so threads may share it. */
static void on_exec(unsigned int vcpu, void* n) {
    (void)vcpu;
    atomic_fetch_add_explicit(&executed, (uint64_t)(uintptr_t)n, memory_order_relaxed);
}

static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb* tb) {
    (void)id;
    qemu_plugin_register_vcpu_tb_exec_cb(tb, on_exec, QEMU_PLUGIN_CB_NO_REGS,
                                         (void*)(uintptr_t)qemu_plugin_tb_n_insns(tb));
}

static void on_exit(qemu_plugin_id_t id, void* p) {
    (void)id;
    (void)p;
    fprintf(stderr, "guest_instructions %llu\n", (unsigned long long)atomic_load(&executed));
}

__attribute__((visibility("default"))) int qemu_plugin_install(qemu_plugin_id_t id, const void* info, int argc,
                                                               char** argv) {
    (void)info;
    (void)argc;
    (void)argv;
    qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
    qemu_plugin_register_atexit_cb(id, on_exit, NULL);
    return 0;
}
