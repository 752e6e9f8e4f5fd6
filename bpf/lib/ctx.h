/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Packet access for either hook, so the parser and the socket lookup are written once and
 * serve XDP and TC. The entry file defines XSC_HOOK_XDP or XSC_HOOK_TC before any include.
 */
#ifndef XSC_CTX_H
#define XSC_CTX_H

#include "proto.h"

/*
 * Context fields are read with a load in inline asm: clang 19 may otherwise turn a plain
 * ctx->data load into "ctx + offset held in a register", which the verifier refuses
 * ("dereference of modified ctx ptr", Linux 6.18). Both contexts are stable UAPI layouts.
 */
#define CTX_LOAD(type, ctx, field)                                                             \
	({                                                                                     \
		void *__v;                                                                     \
		asm volatile("%0 = *(u32 *)(%1 + %2)"                                          \
			     : "=r"(__v)                                                       \
			     : "r"(ctx), "i"(__builtin_offsetof(type, field)));                \
		__v;                                                                           \
	})

#if defined(XSC_HOOK_XDP)

/* A macro, not a typedef: CO-RE cannot relocate a field access through a typedef name. */
#define xsc_ctx_t struct xdp_md
#define ctx_data(ctx) CTX_LOAD(struct xdp_md, ctx, data)
#define ctx_data_end(ctx) CTX_LOAD(struct xdp_md, ctx, data_end)
#define ctx_data_meta(ctx) CTX_LOAD(struct xdp_md, ctx, data_meta)
/* The whole frame is linear in XDP (no multi-buffer: the program does not declare frags). */
#define ctx_frame_len(ctx) ((__u32)(ctx_data_end(ctx) - ctx_data(ctx)))
#define ctx_load_bytes(ctx, off, buf, len) bpf_xdp_load_bytes(ctx, off, buf, len)

#elif defined(XSC_HOOK_TC)

#define xsc_ctx_t struct __sk_buff
#define ctx_data(ctx) CTX_LOAD(struct __sk_buff, ctx, data)
#define ctx_data_end(ctx) CTX_LOAD(struct __sk_buff, ctx, data_end)
#define ctx_data_meta(ctx) CTX_LOAD(struct __sk_buff, ctx, data_meta)
/* skb->len counts paged data too; headers past data_end read as truncated. */
#define ctx_frame_len(ctx) ((__u32)(long)CTX_LOAD(struct __sk_buff, ctx, len))
#define ctx_load_bytes(ctx, off, buf, len) bpf_skb_load_bytes(ctx, off, buf, len)

#else
#error "define XSC_HOOK_XDP or XSC_HOOK_TC before including bpf/lib headers"
#endif

#endif /* XSC_CTX_H */
