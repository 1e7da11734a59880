// Bounded Myers alignment of two sequences. Private to core.
//
// Finds the common subsequence that a shortest edit script keeps (Myers,
// "An O(ND) Difference Algorithm", 1986, greedy forward form), in windows of
// at most kMaxWindowCost edits so the trace stays small. A window that does
// not reach the end stops at its furthest-reaching point and the next window
// continues from there. All work is charged to a WorkBudget; once it runs
// out the rest of the input is left unmatched, which costs diff size but
// never correctness.
#pragma once

#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

namespace newswire::core::internal {

class WorkBudget {
 public:
  explicit WorkBudget(uint64_t units) : left_(units) {}
  bool Exhausted() const { return left_ == 0; }
  void Grant(uint64_t units) { left_ += units; }
  void Spend(uint64_t units) { left_ = units >= left_ ? 0 : left_ - units; }

 private:
  uint64_t left_;
};

// a[a, a + len) equals b[b, b + len).
struct MatchRun {
  uint32_t a;
  uint32_t b;
  uint32_t len;
};

// Edits explored per window; the trace holds (D+1)(D+2)/2 entries.
inline constexpr int32_t kMaxWindowCost = 512;

// Working memory of Align, kept by callers across calls so the hot path
// does not allocate.
struct AlignBuffers {
  std::vector<int32_t> v;
  std::vector<MatchRun> reversed;
};

namespace detail {

inline void AddRun(std::vector<MatchRun>* runs, uint32_t a, uint32_t b, uint32_t len) {
  if (len == 0) return;
  if (!runs->empty()) {
    MatchRun& last = runs->back();
    if (last.a + last.len == a && last.b + last.len == b) {
      last.len += len;
      return;
    }
  }
  runs->push_back(MatchRun{a, b, len});
}

// One window of greedy Myers over a[x0, x0 + n) and b[y0, y0 + m). Appends
// the matches on the chosen path and returns the point it reached (relative).
template <typename Eq>
std::pair<int32_t, int32_t> AlignWindow(uint32_t x0, uint32_t y0, int32_t n, int32_t m,
                                        const Eq& eq, WorkBudget& budget, AlignBuffers& buffers,
                                        std::vector<MatchRun>* runs) {
  std::vector<int32_t>& v = buffers.v;
  // v holds round d's furthest x on diagonals k = -d, -d+2, ..., d; -1 marks
  // a diagonal no d-path reaches inside the grid.
  auto index = [](int32_t d, int32_t k) {
    return static_cast<std::size_t>(d) * static_cast<std::size_t>(d + 1) / 2 +
           static_cast<std::size_t>((k + d) / 2);
  };
  // The predecessor rule, shared by the forward pass and the backtrack: of
  // the two moves onto diagonal k, the one reaching further, never leaving
  // the grid (a path outside it could "finish" on a point that isn't (n, m)).
  struct Step {
    int32_t x;       // x reached on diagonal k before the snake; -1: none.
    int32_t prev_k;  // Diagonal of round d-1 it came from.
  };
  auto step = [&](int32_t d, int32_t k) {
    Step best{-1, 0};
    if (k > -d) {  // Delete a[x]: move right from diagonal k-1.
      int32_t px = v[index(d - 1, k - 1)];
      if (px >= 0 && px < n) best = Step{px + 1, k - 1};
    }
    if (k < d) {  // Insert b[y]: move down from diagonal k+1.
      int32_t px = v[index(d - 1, k + 1)];
      if (px >= 0 && px - (k + 1) < m && px > best.x) best = Step{px, k + 1};
    }
    return best;
  };
  auto snake = [&](int32_t x, int32_t y) {
    int32_t start = x;
    while (x < n && y < m && eq(x0 + static_cast<uint32_t>(x), y0 + static_cast<uint32_t>(y))) {
      ++x;
      ++y;
    }
    budget.Spend(static_cast<uint64_t>(x - start) + 1);
    return x;
  };
  auto backtrack = [&](int32_t d, int32_t k) {
    std::vector<MatchRun>& reversed = buffers.reversed;
    reversed.clear();
    int32_t x = v[index(d, k)];
    for (; d > 0; --d) {
      Step s = step(d, k);
      int32_t mid_y = s.x - k;
      if (x > s.x) {
        reversed.push_back(MatchRun{x0 + static_cast<uint32_t>(s.x),
                                    y0 + static_cast<uint32_t>(mid_y),
                                    static_cast<uint32_t>(x - s.x)});
      }
      x = v[index(d - 1, s.prev_k)];
      k = s.prev_k;
    }
    if (x > 0) reversed.push_back(MatchRun{x0, y0, static_cast<uint32_t>(x)});
    for (auto it = reversed.rbegin(); it != reversed.rend(); ++it) {
      AddRun(runs, it->a, it->b, it->len);
    }
  };

  const int32_t dmax = static_cast<int32_t>(
      std::min<int64_t>(kMaxWindowCost, static_cast<int64_t>(n) + static_cast<int64_t>(m)));
  v.assign(1, snake(0, 0));
  if (v[0] == n && v[0] == m) {
    backtrack(0, 0);
    return {n, m};
  }
  int32_t complete = 0;  // Last round whose every diagonal was computed.
  for (int32_t d = 1; d <= dmax && !budget.Exhausted(); ++d) {
    v.resize(index(d + 1, -(d + 1)), -1);
    bool stopped = false;
    for (int32_t k = -d; k <= d; k += 2) {
      Step s = step(d, k);
      if (s.x < 0) continue;
      int32_t x = snake(s.x, s.x - k);
      v[index(d, k)] = x;
      if (x == n && x - k == m) {
        backtrack(d, k);
        return {n, m};
      }
      if (budget.Exhausted()) {
        stopped = true;
        break;
      }
    }
    if (stopped) break;
    complete = d;
  }
  // Out of window or budget: keep the path to the furthest point reached.
  int32_t best_k = 0;
  int64_t best_sum = -1;
  for (int32_t k = -complete; k <= complete; k += 2) {
    int32_t x = v[index(complete, k)];
    if (x < 0) continue;
    int64_t sum = 2 * static_cast<int64_t>(x) - k;
    if (sum > best_sum) {
      best_sum = sum;
      best_k = k;
    }
  }
  backtrack(complete, best_k);
  int32_t x = v[index(complete, best_k)];
  return {x, x - best_k};
}

}  // namespace detail

// Appends to `runs`, in order, the matched runs of an alignment of a[0, n)
// and b[0, m), where eq(i, j) says whether a[i] equals b[j]. Sizes must fit
// in int32_t.
template <typename Eq>
void Align(uint32_t n, uint32_t m, const Eq& eq, WorkBudget& budget, AlignBuffers& buffers,
           std::vector<MatchRun>* runs) {
  uint32_t suffix = 0;
  while (suffix < n && suffix < m && eq(n - 1 - suffix, m - 1 - suffix)) ++suffix;
  budget.Spend(suffix);
  const uint32_t n_end = n - suffix;
  const uint32_t m_end = m - suffix;
  uint32_t x = 0, y = 0;
  while (x < n_end && y < m_end && !budget.Exhausted()) {
    auto [dx, dy] = detail::AlignWindow(x, y, static_cast<int32_t>(n_end - x),
                                        static_cast<int32_t>(m_end - y), eq, budget, buffers, runs);
    if (dx == 0 && dy == 0) break;
    x += static_cast<uint32_t>(dx);
    y += static_cast<uint32_t>(dy);
  }
  detail::AddRun(runs, n_end, m_end, suffix);
}

}  // namespace newswire::core::internal
