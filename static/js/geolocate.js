/* "Use my current location" on the card's form: fills the latitude and longitude fields from
   the browser's geolocation (no map service). Shown only where the browser offers it. */
document.querySelectorAll("[data-geolocate]").forEach((box) => {
  if (!("geolocation" in navigator)) return;
  const button = box.querySelector("[data-geolocate-button]");
  const status = box.querySelector("[data-geolocate-status]");
  const latitude = document.getElementById(button.dataset.latitude);
  const longitude = document.getElementById(button.dataset.longitude);
  if (!latitude || !longitude) return;
  box.hidden = false;
  button.addEventListener("click", () => {
    button.disabled = true;
    status.textContent = button.dataset.locating;
    navigator.geolocation.getCurrentPosition(
      (position) => {
        latitude.value = position.coords.latitude.toFixed(6);
        longitude.value = position.coords.longitude.toFixed(6);
        status.textContent = button.dataset.done;
        button.disabled = false;
      },
      () => {
        status.textContent = button.dataset.failed;
        button.disabled = false;
      },
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 },
    );
  });
});
