namespace HiPortal.Core.Decisions;

/// <summary>Newton/IRLS for a three-parameter logistic regression on (1, p1, p2).</summary>
internal static class Top2LogisticFit
{
    private const int MaxIterations = 100;
    private const double GradientTolerance = 1e-10;

    public static (double Bias, double W1, double W2) Run(
        IReadOnlyList<(float P1, float P2)> features, IReadOnlyList<bool> labels, double l2)
    {
        Validate(features, labels, l2);

        var theta = new double[3];
        var gradient = new double[3];
        var hessian = new double[3, 3];
        var loss = Objective(features, labels, l2, theta);

        for (var iteration = 0; iteration < MaxIterations; iteration++)
        {
            GradientAndHessian(features, labels, l2, theta, gradient, hessian);
            if (Math.Max(Math.Abs(gradient[0]), Math.Max(Math.Abs(gradient[1]), Math.Abs(gradient[2]))) < GradientTolerance)
                break;

            var step = SolveSymmetric3(hessian, gradient);

            // Backtracking keeps Newton monotone when the start is far from the optimum (separable data).
            var scale = 1.0;
            var candidate = new double[3];
            double candidateLoss;
            do
            {
                for (var k = 0; k < 3; k++)
                    candidate[k] = theta[k] - (scale * step[k]);
                candidateLoss = Objective(features, labels, l2, candidate);
                scale /= 2;
            }
            while (candidateLoss > loss && scale > 1e-10);

            if (candidateLoss > loss)
                break;
            var improvement = loss - candidateLoss;
            theta = candidate;
            loss = candidateLoss;
            if (improvement < 1e-15)
                break;
        }

        if (!double.IsFinite(theta[0]) || !double.IsFinite(theta[1]) || !double.IsFinite(theta[2]))
            throw new InvalidOperationException("The top2-lr fit did not give finite coefficients.");
        return (theta[0], theta[1], theta[2]);
    }

    private static void Validate(IReadOnlyList<(float P1, float P2)> features, IReadOnlyList<bool> labels, double l2)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(labels);
        if (features.Count == 0)
            throw new ArgumentException("At least one sample is needed to fit top2-lr.", nameof(features));
        if (features.Count != labels.Count)
            throw new ArgumentException($"{features.Count} feature rows but {labels.Count} labels.", nameof(labels));
        if (!(l2 > 0) || !double.IsFinite(l2))
            throw new ArgumentOutOfRangeException(nameof(l2), l2, "The L2 penalty must be a positive finite number.");
        for (var i = 0; i < features.Count; i++)
        {
            var (p1, p2) = features[i];
            if (!float.IsFinite(p1) || !float.IsFinite(p2))
                throw new ArgumentException($"Feature row {i} is not finite (p1={p1}, p2={p2}).", nameof(features));
        }
    }

    private static double Objective(IReadOnlyList<(float P1, float P2)> x, IReadOnlyList<bool> y, double l2, double[] theta)
    {
        var sum = 0.0;
        for (var i = 0; i < x.Count; i++)
        {
            var z = theta[0] + (theta[1] * x[i].P1) + (theta[2] * x[i].P2);
            // log(1 + e^z) - y·z, with a softplus that cannot overflow.
            sum += Math.Max(z, 0) + Math.Log(1 + Math.Exp(-Math.Abs(z))) - (y[i] ? z : 0);
        }

        return (sum / x.Count) + (0.5 * l2 * ((theta[0] * theta[0]) + (theta[1] * theta[1]) + (theta[2] * theta[2])));
    }

    private static void GradientAndHessian(
        IReadOnlyList<(float P1, float P2)> x, IReadOnlyList<bool> y, double l2, double[] theta, double[] g, double[,] h)
    {
        Array.Clear(g);
        Array.Clear(h);
        Span<double> row = stackalloc double[3];
        for (var i = 0; i < x.Count; i++)
        {
            row[0] = 1;
            row[1] = x[i].P1;
            row[2] = x[i].P2;
            var s = Top2LogisticRule.Sigmoid(theta[0] + (theta[1] * row[1]) + (theta[2] * row[2]));
            var residual = s - (y[i] ? 1 : 0);
            var curvature = s * (1 - s);
            for (var a = 0; a < 3; a++)
            {
                g[a] += residual * row[a];
                for (var b = 0; b < 3; b++)
                    h[a, b] += curvature * row[a] * row[b];
            }
        }

        for (var a = 0; a < 3; a++)
        {
            g[a] = (g[a] / x.Count) + (l2 * theta[a]);
            for (var b = 0; b < 3; b++)
                h[a, b] /= x.Count;
            h[a, a] += l2;
        }
    }

    /// <summary>Solves H·s = g by Cholesky; H is positive definite because of the L2 term.</summary>
    private static double[] SolveSymmetric3(double[,] h, double[] g)
    {
        var l = new double[3, 3];
        for (var i = 0; i < 3; i++)
        {
            for (var j = 0; j <= i; j++)
            {
                var sum = h[i, j];
                for (var k = 0; k < j; k++)
                    sum -= l[i, k] * l[j, k];
                l[i, j] = i == j ? Math.Sqrt(sum) : sum / l[j, j];
            }
        }

        var y = new double[3];
        for (var i = 0; i < 3; i++)
        {
            var sum = g[i];
            for (var k = 0; k < i; k++)
                sum -= l[i, k] * y[k];
            y[i] = sum / l[i, i];
        }

        var s = new double[3];
        for (var i = 2; i >= 0; i--)
        {
            var sum = y[i];
            for (var k = i + 1; k < 3; k++)
                sum -= l[k, i] * s[k];
            s[i] = sum / l[i, i];
        }

        return s;
    }
}
