// An LSTM layer with any activation: the steps through time, forward and
// backward, each step one matrix product and one pass over the gates.
//
// PyTorch's fused LSTM only knows tanh. Stepping the cell through time with
// separate tensor operations costs about seven operator calls a step forward
// and as many backward; here each step is one call to the matrix product and
// one loop that computes every gate, the cell and the hidden state in a single
// pass (the loop is written so that the compiler vectorizes it). The layout is
// torch.nn.LSTM's: gates in the order input, forget, cell, output; the
// activation replaces tanh on the candidate and on the cell output (Keras'
// meaning of `activation`); the gates stay sigmoid.
//
// Built on first use by sklearn_rnn/_kernel_build.py, which runs the machine's
// compiler (with OpenMP on Linux, as torch) into a private cache folder; where
// it cannot, sklearn_rnn/_lstm_loop.py runs the same steps as TorchScript.

#include <ATen/ATen.h>
#include <ATen/Dispatch.h>
#include <ATen/Parallel.h>
#include <torch/library.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <tuple>

#if defined(__x86_64__) || defined(_M_X64) || defined(__i386__)
#include <xmmintrin.h>
#define SKLEARN_RNN_MXCSR 1
#endif

namespace {

// Activation codes, as KINDS in _lstm_loop.py.
constexpr int64_t RELU = 0;
constexpr int64_t SIGMOID = 1;
constexpr int64_t TANH = 2;
constexpr int64_t IDENTITY = 3;

// exp(x) for float without a branch, so that the loops around it vectorize
// on any x86-64 or ARM CPU: x = n log(2) + r with |r| <= log(2) / 2, exp(r) by
// Cephes' polynomial (about 1 ulp), 2^n written into the exponent bits. n is
// rounded by adding 1.5 * 2^23 (then the float's low bits hold n), which
// needs no rounding instruction. Clamped to float's normal range: below
// exp(-87) nothing here can tell the difference.
inline float exp_(float x) {
  constexpr float kRound = 12582912.0f;  // 1.5 * 2^23
  constexpr int32_t kRoundBits = 0x4B400000;
  x = x < -87.0f ? -87.0f : x;
  x = x > 88.0f ? 88.0f : x;
  const float shifted = x * 1.44269504088896341f + kRound;
  const float n = shifted - kRound;
  float r = x - n * 0.693359375f;
  r = r + n * 2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  int32_t bits;
  std::memcpy(&bits, &shifted, sizeof bits);
  bits = (bits - kRoundBits + 127) << 23;
  float scale;
  std::memcpy(&scale, &bits, sizeof scale);
  return p * scale;
}

// float64 (the tests' reference precision) keeps the library's exp.
inline double exp_(double x) { return std::exp(x); }

template <typename T>
inline T sigmoid_(T x) {
  return T(1) / (T(1) + exp_(-x));
}

template <typename T, int64_t K>
inline T activate(T z) {
  if constexpr (K == RELU) {
    return z > T(0) ? z : T(0);
  } else if constexpr (K == SIGMOID) {
    return sigmoid_(z);
  } else if constexpr (K == TANH) {
    return T(2) * sigmoid_(T(2) * z) - T(1);
  } else {
    return z;
  }
}

// The activation's derivative, from its value a = activate(z).
template <typename T, int64_t K>
inline T derivative(T a) {
  if constexpr (K == RELU) {
    return a > T(0) ? T(1) : T(0);
  } else if constexpr (K == SIGMOID) {
    return a * (T(1) - a);
  } else if constexpr (K == TANH) {
    return T(1) - a * a;
  } else {
    return T(1);
  }
}

// Rows per task when the rows of a step are spread over threads: enough work
// in each task (about 16k gate values) to pay for handing it out.
int64_t grain(int64_t H) { return std::max<int64_t>(1, 16384 / (4 * H)); }

// The rows [0, B) of a step, spread over torch's threads. Every task runs in
// the calling thread's floating-point mode: sklearn-rnn flushes denormals on
// the thread that fits or predicts, and OpenMP's worker threads do not
// inherit that flag (a sigmoid's tail reaches float32 denormals).
template <typename F>
void for_rows(int64_t B, int64_t H, const F& f) {
#ifdef SKLEARN_RNN_MXCSR
  const unsigned int mode = _mm_getcsr();
  at::parallel_for(0, B, grain(H), [&](int64_t b0, int64_t b1) {
    const unsigned int own = _mm_getcsr();
    _mm_setcsr(mode);
    f(b0, b1);
    _mm_setcsr(own);
  });
#else
  at::parallel_for(0, B, grain(H), f);
#endif
}

// One step forward, rows [b0, b1). z holds the pre-activations (B, 4H) and
// receives the gate values: sigmoid(i), sigmoid(f), act(g), sigmoid(o).
template <typename T, int64_t K>
void forward_rows(T* __restrict__ z, const T* __restrict__ c_prev,
                  T* __restrict__ c_next, T* __restrict__ h_next, int64_t H,
                  int64_t b0, int64_t b1) {
  for (int64_t b = b0; b < b1; ++b) {
    T* __restrict__ zi = z + b * 4 * H;
    T* __restrict__ zf = zi + H;
    T* __restrict__ zg = zi + 2 * H;
    T* __restrict__ zo = zi + 3 * H;
    const T* __restrict__ cp = c_prev + b * H;
    T* __restrict__ cn = c_next + b * H;
    T* __restrict__ hn = h_next + b * H;
    for (int64_t j = 0; j < H; ++j) {
      const T i = sigmoid_(zi[j]);
      const T f = sigmoid_(zf[j]);
      const T g = activate<T, K>(zg[j]);
      const T o = sigmoid_(zo[j]);
      const T c = f * cp[j] + i * g;
      zi[j] = i;
      zf[j] = f;
      zg[j] = g;
      zo[j] = o;
      cn[j] = c;
      hn[j] = o * activate<T, K>(c);
    }
  }
}

// One step backward, rows [b0, b1): from the gradient of the hidden state
// (d_out of this step plus dh from the step after) and of the cell state dc,
// the gradients of the pre-activations dz; dc becomes the cell gradient the
// step before receives.
template <typename T, int64_t K>
void backward_rows(const T* __restrict__ gates, const T* __restrict__ c_prev,
                   const T* __restrict__ c_this, const T* __restrict__ d_out,
                   const T* __restrict__ dh, T* __restrict__ dc,
                   T* __restrict__ dz, int64_t H, int64_t b0, int64_t b1) {
  for (int64_t b = b0; b < b1; ++b) {
    const T* __restrict__ gi = gates + b * 4 * H;
    const T* __restrict__ gf = gi + H;
    const T* __restrict__ gg = gi + 2 * H;
    const T* __restrict__ go = gi + 3 * H;
    T* __restrict__ di = dz + b * 4 * H;
    T* __restrict__ df = di + H;
    T* __restrict__ dg = di + 2 * H;
    T* __restrict__ d_o = di + 3 * H;
    const T* __restrict__ cp = c_prev + b * H;
    const T* __restrict__ ct = c_this + b * H;
    const T* __restrict__ dy = d_out + b * H;
    const T* __restrict__ dhb = dh + b * H;
    T* __restrict__ dcb = dc + b * H;
    for (int64_t j = 0; j < H; ++j) {
      const T i = gi[j], f = gf[j], g = gg[j], o = go[j];
      const T h_grad = dy[j] + dhb[j];
      const T a = activate<T, K>(ct[j]);
      const T c_grad = dcb[j] + h_grad * o * derivative<T, K>(a);
      di[j] = c_grad * g * i * (T(1) - i);
      df[j] = c_grad * cp[j] * f * (T(1) - f);
      dg[j] = c_grad * i * derivative<T, K>(g);
      d_o[j] = h_grad * a * o * (T(1) - o);
      dcb[j] = c_grad * f;
    }
  }
}

template <typename F>
void with_kind(int64_t kind, F&& body) {
  switch (kind) {
    case RELU:
      body(std::integral_constant<int64_t, RELU>{});
      break;
    case SIGMOID:
      body(std::integral_constant<int64_t, SIGMOID>{});
      break;
    case TANH:
      body(std::integral_constant<int64_t, TANH>{});
      break;
    case IDENTITY:
      body(std::integral_constant<int64_t, IDENTITY>{});
      break;
    default:
      TORCH_CHECK(false, "unknown activation code ", kind);
  }
}

// w_hh must be (4H, H) for gates of width 4H, in the input's dtype.
void check_recurrent_weight(const at::Tensor& w_hh, int64_t gates,
                            const at::Tensor& x) {
  TORCH_CHECK(w_hh.dim() == 2 && w_hh.size(0) == gates &&
                  4 * w_hh.size(1) == gates,
              "expected weight_hh of shape (4H, H), got ", w_hh.sizes());
  TORCH_CHECK(x.scalar_type() == w_hh.scalar_type(),
              "input and weights differ in dtype");
}

void check_projections(const at::Tensor& x, const at::Tensor& w_hh) {
  TORCH_CHECK(x.dim() == 3 && x.size(2) % 4 == 0,
              "expected time-major input projections (T, B, 4H), got ",
              x.sizes());
  check_recurrent_weight(w_hh, x.size(2), x);
}

// Forward through time from zero states. xw: (T, B, 4H) input projections,
// both biases included. Returns the gate values (T, B, 4H) and the cell and
// hidden states (T + 1, B, H), index 0 being the zero initial state: what
// the backward pass reads.
std::tuple<at::Tensor, at::Tensor, at::Tensor> lstm_forward(
    const at::Tensor& xw_, const at::Tensor& w_hh, int64_t kind) {
  check_projections(xw_, w_hh);
  const at::Tensor xw = xw_.contiguous();
  const int64_t T = xw.size(0), B = xw.size(1), H = xw.size(2) / 4;
  at::Tensor gates = at::empty_like(xw);
  at::Tensor C = at::zeros({T + 1, B, H}, xw.options());
  at::Tensor Hs = at::zeros({T + 1, B, H}, xw.options());
  const at::Tensor w = w_hh.t();
  AT_DISPATCH_FLOATING_TYPES(xw.scalar_type(), "lstm_forward", [&] {
    with_kind(kind, [&](auto K) {
      for (int64_t t = 0; t < T; ++t) {
        at::Tensor z = gates.select(0, t);
        at::addmm_out(z, xw.select(0, t), Hs.select(0, t), w);
        scalar_t* zp = z.data_ptr<scalar_t>();
        const scalar_t* cp = C.data_ptr<scalar_t>() + t * B * H;
        scalar_t* cn = C.data_ptr<scalar_t>() + (t + 1) * B * H;
        scalar_t* hn = Hs.data_ptr<scalar_t>() + (t + 1) * B * H;
        for_rows(B, H, [&](int64_t b0, int64_t b1) {
          forward_rows<scalar_t, decltype(K)::value>(zp, cp, cn, hn, H, b0,
                                                     b1);
        });
      }
    });
  });
  return {gates, C, Hs};
}

// Prediction: hidden states (T, B, H) from time-major input x (T, B, I),
// nothing kept for a backward pass. The input projections are computed a few
// steps at a time into a buffer that stays in cache (those of all steps of a
// 256-sequence batch are megabytes, written and read back: a fifth of the
// time), each step then adds its recurrent product to its slice.
at::Tensor lstm_infer(const at::Tensor& x_, const at::Tensor& w_ih,
                      const at::Tensor& bias, const at::Tensor& w_hh,
                      int64_t kind) {
  TORCH_CHECK(x_.dim() == 3, "expected time-major input (T, B, I), got ",
              x_.sizes());
  const at::Tensor x = x_.contiguous();
  const int64_t T = x.size(0), B = x.size(1), I = x.size(2);
  const int64_t H = w_hh.size(1);
  TORCH_CHECK(w_ih.dim() == 2 && w_ih.size(0) == 4 * H && w_ih.size(1) == I,
              "expected weight_ih of shape (4H, I), got ", w_ih.sizes());
  TORCH_CHECK(bias.dim() == 1 && bias.size(0) == 4 * H,
              "expected a bias of shape (4H,), got ", bias.sizes());
  check_recurrent_weight(w_hh, 4 * H, x);
  TORCH_CHECK(w_ih.scalar_type() == x.scalar_type() &&
                  bias.scalar_type() == x.scalar_type(),
              "input and weights differ in dtype");
  // About 256 KiB of projections per chunk, whole steps.
  const int64_t chunk =
      std::max<int64_t>(1, (int64_t(1) << 16) / std::max<int64_t>(1, B * 4 * H));
  at::Tensor buffer = at::empty({std::min(chunk, std::max<int64_t>(T, 1)) * B, 4 * H},
                                x.options());
  at::Tensor C = at::zeros({2, B, H}, x.options());
  at::Tensor Hs = at::empty({T, B, H}, x.options());
  at::Tensor h0 = at::zeros({B, H}, x.options());
  const at::Tensor wi = w_ih.t();
  const at::Tensor w = w_hh.t();
  AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "lstm_infer", [&] {
    with_kind(kind, [&](auto K) {
      for (int64_t t0 = 0; t0 < T; t0 += chunk) {
        const int64_t steps = std::min(chunk, T - t0);
        at::Tensor proj = buffer.narrow(0, 0, steps * B);
        at::addmm_out(proj, bias, x.narrow(0, t0, steps).view({steps * B, I}),
                      wi);
        for (int64_t t = t0; t < t0 + steps; ++t) {
          at::Tensor z = proj.narrow(0, (t - t0) * B, B);
          z.addmm_(t == 0 ? h0 : Hs.select(0, t - 1), w);
          scalar_t* zp = z.data_ptr<scalar_t>();
          const scalar_t* cp = C.data_ptr<scalar_t>() + (t % 2) * B * H;
          scalar_t* cn = C.data_ptr<scalar_t>() + ((t + 1) % 2) * B * H;
          scalar_t* hn = Hs.data_ptr<scalar_t>() + t * B * H;
          for_rows(B, H, [&](int64_t b0, int64_t b1) {
            forward_rows<scalar_t, decltype(K)::value>(zp, cp, cn, hn, H, b0,
                                                       b1);
          });
        }
      }
    });
  });
  return Hs;
}

// Backward through time: from the gradients of the hidden states d_out
// (T, B, H), those of the input projections (T, B, 4H) and of w_hh (4H, H).
std::tuple<at::Tensor, at::Tensor> lstm_backward(
    const at::Tensor& d_out_, const at::Tensor& w_hh, const at::Tensor& gates,
    const at::Tensor& C, const at::Tensor& Hs, int64_t kind) {
  check_projections(gates, w_hh);
  const at::Tensor d_out = d_out_.contiguous();
  const int64_t T = gates.size(0), B = gates.size(1), H = gates.size(2) / 4;
  TORCH_CHECK(d_out.sizes() == at::IntArrayRef({T, B, H}),
              "expected hidden-state gradients of shape (T, B, H)");
  at::Tensor dz = at::empty_like(gates);
  at::Tensor dh = at::zeros({B, H}, gates.options());
  at::Tensor dc = at::zeros({B, H}, gates.options());
  AT_DISPATCH_FLOATING_TYPES(gates.scalar_type(), "lstm_backward", [&] {
    with_kind(kind, [&](auto K) {
      for (int64_t t = T - 1; t >= 0; --t) {
        const scalar_t* gp = gates.data_ptr<scalar_t>() + t * B * 4 * H;
        const scalar_t* cp = C.data_ptr<scalar_t>() + t * B * H;
        const scalar_t* ct = cp + B * H;
        const scalar_t* dy = d_out.data_ptr<scalar_t>() + t * B * H;
        const scalar_t* dhp = dh.data_ptr<scalar_t>();
        scalar_t* dcp = dc.data_ptr<scalar_t>();
        at::Tensor dz_t = dz.select(0, t);
        scalar_t* dzp = dz_t.data_ptr<scalar_t>();
        for_rows(B, H, [&](int64_t b0, int64_t b1) {
          backward_rows<scalar_t, decltype(K)::value>(gp, cp, ct, dy, dhp, dcp,
                                                      dzp, H, b0, b1);
        });
        at::mm_out(dh, dz_t, w_hh);
      }
    });
  });
  at::Tensor d_w_hh =
      at::mm(dz.view({T * B, 4 * H}).t(), Hs.narrow(0, 0, T).reshape({T * B, H}));
  return {dz, d_w_hh};
}

}  // namespace

TORCH_LIBRARY(sklearn_rnn, m) {
  m.def(
      "lstm_forward(Tensor xw, Tensor w_hh, int kind) -> "
      "(Tensor, Tensor, Tensor)");
  m.def(
      "lstm_infer(Tensor x, Tensor w_ih, Tensor bias, Tensor w_hh, int kind) "
      "-> Tensor");
  m.def(
      "lstm_backward(Tensor d_out, Tensor w_hh, Tensor gates, Tensor C, "
      "Tensor Hs, int kind) -> (Tensor, Tensor)");
}

TORCH_LIBRARY_IMPL(sklearn_rnn, CPU, m) {
  m.impl("lstm_forward", &lstm_forward);
  m.impl("lstm_infer", &lstm_infer);
  m.impl("lstm_backward", &lstm_backward);
}
