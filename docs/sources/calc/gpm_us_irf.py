# Perfect-foresight IRF of the Carabenciov et al. (2008) IMF WP 08/278 US GPM (base case,
# Table 1 posterior modes, as transcribed in MMB US_PM08.mod) to a one-off 1 pp (annualised)
# innovation in the policy rate.
import numpy as np

P = dict(b1=0.8523, b2=0.1674, b3=0.1270, l1=0.7272, l2=0.1937, g1=0.7087, g2=1.2679, g4=0.2192)


def irf(P, T=200, shock=1.0):
    nv = 5  # Y, PIE, PIE4, RS, RR

    def idx(v, t):
        return v * T + t

    A = np.zeros((nv * T, nv * T))
    b = np.zeros(nv * T)
    Y, PI, P4, RS, RR = range(5)

    def put(row, v, t, c):
        if 0 <= t < T:
            A[row, idx(v, t)] += c

    for t in range(T):
        r = idx(0, t)
        put(r, Y, t, 1)
        put(r, Y, t - 1, -P["b1"])
        put(r, Y, t + 1, -P["b2"])
        put(r, RR, t - 1, P["b3"])
        r = idx(1, t)
        put(r, PI, t, 1)
        put(r, P4, t + 4, -P["l1"])
        put(r, P4, t - 1, -(1 - P["l1"]))
        put(r, Y, t - 1, -P["l2"])
        r = idx(2, t)
        put(r, RR, t, 1)
        put(r, RS, t, -1)
        put(r, PI, t + 1, 1)
        r = idx(3, t)
        put(r, RS, t, 1)
        put(r, RS, t - 1, -P["g1"])
        put(r, P4, t + 3, -(1 - P["g1"]) * (1 + P["g2"]))
        put(r, Y, t, -(1 - P["g1"]) * P["g4"])
        if t == 0:
            b[r] = shock
        r = idx(4, t)
        put(r, P4, t, 1)
        for k in range(4):
            put(r, PI, t - k, -0.25)
    x = np.linalg.solve(A, b).reshape(nv, T)
    return dict(Y=x[0], PIE=x[1], PIE4=x[2], RS=x[3], RR=x[4])


r = irf(P)
print("q  RS    Y(gap)  PIE4")
for q in range(16):
    print(q + 1, round(r["RS"][q], 3), round(r["Y"][q], 3), round(r["PIE4"][q], 3))
for yr in range(3):
    s = slice(4 * yr, 4 * yr + 4)
    print(
        f"year{yr + 1}: RS avg {r['RS'][s].mean():.3f}  gap avg {r['Y'][s].mean():.3f}  "
        f"PIE4 at Q4 {r['PIE4'][4 * yr + 3]:.3f}"
    )
print("trough gap", r["Y"][:40].min().round(3), "at q", int(r["Y"][:40].argmin()) + 1)
print("trough PIE4", r["PIE4"][:40].min().round(3), "at q", int(r["PIE4"][:40].argmin()) + 1)
