#pragma once
// Matrix products split over ATen's thread pool.
//
// configure_cpu_threads() gives BLAS one thread (its own pool fought ATen's), and ATen 1.13 hands every fp32
// matmul to BLAS whole, so linears and attention ran on one core; its CPU bmm even loops over the batch one BLAS
// call at a time. These functions cut the work into one slice per ATen thread and call BLAS per slice inside
// at::parallel_for. They fall back to the plain ATen op for anything else: not CPU fp32, gradients wanted, already
// inside a parallel region, too small to split, or splitting switched off.
#include <ATen/ATen.h>

namespace ripen {

// On by default once configure_cpu_threads() has made BLAS single-threaded; off makes every call the ATen op.
void set_parallel_gemm(bool on);
bool parallel_gemm_enabled();

// = at::linear(x, weight, bias); bf16 computed in fp32 and rounded where tensors/cpu_isa.h says so.
at::Tensor parallel_linear(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias);

// softmax(q·kᵀ)·v for [N, Lq, D] q (already scaled), [N, Lk, D] k and [N, Lk, Dv] v, fp32 on the CPU, one slice of
// N (and of Lq when N is smaller than the pool) per thread. Scores live in per-thread row chunks of at most
// budget_bytes in all (0 = no limit). Returns an undefined tensor where it does not apply, so the caller falls back.
at::Tensor parallel_attention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, int64_t budget_bytes);

}  // namespace ripen
