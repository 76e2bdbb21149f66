// The desk's map: draws the page's GeoJSON points with Leaflet on a plain background (no
// internet needed); a tile server is added only when the page names one. Every label comes
// from the server, already translated; names are set as text, never as HTML.
(function () {
  "use strict";
  function text(tag, value, className) {
    var node = document.createElement(tag);
    node.textContent = value;
    if (className) { node.className = className; }
    return node;
  }
  function popup(element, props) {
    var box = document.createElement("div");
    box.className = "map-popup";
    box.appendChild(text("strong", props.name));
    var lines = [];
    if (props.kind === "locality") {
      lines.push(props.service_label);
      lines.push(element.dataset.labelPopulation + ": " + props.population);
      lines.push(element.dataset.labelReliable + ": " + props.people_reliable);
    } else if (props.kind === "system") {
      lines.push(props.tier_label + " · " + props.system_kind);
      if (props.provider) { lines.push(props.provider); }
      lines.push(element.dataset.labelServed + ": " + props.people_served);
      if (props.ecoli) {
        lines.push(props.ecoli === "fail" ? element.dataset.labelEcoliFail : element.dataset.labelEcoliPass);
      }
      if (props.main_cause) { lines.push(element.dataset.labelCause + ": " + props.main_cause); }
    } else {
      lines.push(props.kind_label + " · " + props.locality);
    }
    lines.forEach(function (line) { box.appendChild(text("div", line)); });
    var link = text("a", element.dataset.labelPage);
    link.href = props.url;
    box.appendChild(link);
    return box;
  }
  function radius(population) {
    return Math.min(18, 4 + Math.sqrt(population || 0) / 4);
  }
  function draw(element, collection) {
    var map = L.map(element, { attributionControl: Boolean(element.dataset.tiles) });
    // Whether the map is panning (a popup pans it into view): what is on it moves meanwhile.
    map.on("movestart", function () { element.dataset.moving = "1"; });
    map.on("moveend", function () { delete element.dataset.moving; });
    if (element.dataset.tiles) {
      L.tileLayer(element.dataset.tiles, { attribution: element.dataset.tilesAttribution || "" }).addTo(map);
    }
    var layer = L.geoJSON(collection, {
      style: function (feature) {
        // The municipality's INEGI boundary: a line, no fill, under the points.
        return feature.properties.kind === "boundary" ? { className: "boundary", fill: false, weight: 2 } : {};
      },
      pointToLayer: function (feature, latlng) {
        var props = feature.properties;
        if (props.kind === "locality") {
          return L.circleMarker(latlng, {
            radius: radius(props.population),
            className: "point service-" + props.service,
            weight: 1,
            fillOpacity: 0.8
          });
        }
        var label = props.kind === "system" ? (props.tier === null ? "?" : "T" + props.tier)
          : (props.kind === "school" ? element.dataset.labelSchool : element.dataset.labelClinic);
        return L.marker(latlng, {
          icon: L.divIcon({ className: "map-icon " + props.kind + (props.tier === null ? "" : " tier-" + props.tier), html: "", iconSize: [26, 20] }),
          title: props.name,
          alt: props.name,
          keyboard: true
        }).on("add", function () {
          var icon = this.getElement();
          if (icon) { icon.textContent = label; }
        });
      },
      onEachFeature: function (feature, item) {
        if (feature.properties.kind === "boundary") { return; }
        item.bindPopup(function () { return popup(element, feature.properties); });
      }
    }).addTo(map);
    var bounds = layer.getBounds();
    if (bounds.isValid()) {
      map.fitBounds(bounds, { padding: [20, 20], maxZoom: 14 });
    } else {
      map.setView([16.75, -93.1], 8);  // Chiapas, when nothing has coordinates
    }
    element.dataset.drawn = String(collection.features.filter(function (f) { return f.geometry; }).length);
  }
  function start() {
    var element = document.getElementById("map");
    if (!element || typeof L === "undefined") { return; }
    fetch(element.dataset.points, { credentials: "same-origin", headers: { Accept: "application/geo+json" } })
      .then(function (response) { return response.json(); })
      .then(function (collection) { draw(element, collection); })
      .catch(function () { element.dataset.drawn = "error"; });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
