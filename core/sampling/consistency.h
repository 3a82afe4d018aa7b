#pragma once
// The boundary condition of consistency models (LCM; diffusers' LCMScheduler.get_scalings_for_boundary_condition_
// discrete): the network's x0 estimate is blended with its input,
//   denoised = c_out·x0 + c_skip·x_in,  c_skip = σd²/((s·t)² + σd²),  c_out = s·t/sqrt((s·t)² + σd²),
// with t the discrete timestep the network received, s the timestep_scaling and x_in the network's (VP-scaled)
// input. At LCM's timesteps c_skip ≈ 1e−8, so denoised ≈ x0; at t = 0 it is the input itself.
namespace ripen::sampling {

struct ConsistencyBoundary {
  double sigma_data = 0.5;
  double timestep_scaling = 10.0;  // the scheduler config's `timestep_scaling`
};

struct BoundaryScalings {
  double c_skip = 0, c_out = 1;
};

BoundaryScalings boundary_scalings(const ConsistencyBoundary& boundary, double t);

}  // namespace ripen::sampling
